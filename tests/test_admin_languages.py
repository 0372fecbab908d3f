"""The settings pages follow the admin's language (the payload's ``lang``): French or
English, including Colander's and Deform's own messages; English for any other."""

from __future__ import annotations

import re
import threading

import pytest
import webtest

from .flows import field_error, open_settings

FRENCH = ("Paramètres du module de paiement", "Identifiant boutique", "Délai avant remise en banque", "URL de notification", "Mode actuel", "Aucune clé enregistrée", "Mettre à jour", "allemand", "Configuration Back Office", "Ce déploiement n'accepte que le mode TEST.", "« fin du paiement »")
ENGLISH = ("Payment module settings", "Shop ID", "Capture delay", "Notification URL", "Current mode", "No key saved", "Update", "German", "Back Office configuration", "This deployment only accepts TEST mode.", "“end of payment”")




@pytest.mark.parametrize(("lang", "texts", "absent"), [("fr", FRENCH, ENGLISH), ("fr_FR", FRENCH, ENGLISH), ("en", ENGLISH, FRENCH), ("de", ENGLISH, FRENCH)])
def test_the_settings_page_is_in_the_admins_language(testapp, lang, texts, absent):
    page = open_settings(testapp, lang=lang)
    for text in texts:
        assert text in page.text, text
    for text in absent[:4]:
        assert text not in page.text, text
    assert f'<html lang="{"fr" if lang.startswith("fr") else "en"}">' in page.text


def test_deforms_and_colanders_own_messages_are_in_french_for_a_french_admin(testapp):
    form = open_settings(testapp, lang="fr").forms["settings"]
    form["site_id"] = ""
    form["capture_delay"] = "400"
    response = form.submit("save", status=400)
    assert "Il y a eu un problème avec votre requête" in response.text
    assert "Le formulaire contient des erreurs" in response.text
    assert field_error(response.text, "site_id") == "Requis"
    assert field_error(response.text, "capture_delay") == "400 est plus grand que la valeur maximum autorisée (365)"
    assert "There was a problem" not in response.text and "Required" not in response.text


def test_deforms_own_messages_are_in_english_otherwise(testapp):
    form = open_settings(testapp, lang="de").forms["settings"]
    form["site_id"] = ""
    response = form.submit("save", status=400)
    assert "There was a problem with your submission" in response.text
    assert field_error(response.text, "site_id") == "Required"


def test_our_validation_messages_are_in_french(testapp):
    form = open_settings(testapp, lang="fr").forms["settings"]
    form["site_id"] = "1234"
    form["key_test"] = "with space"
    response = form.submit("save", status=400)
    assert field_error(response.text, "site_id") == "L'identifiant boutique compte exactement 8 chiffres."
    assert field_error(response.text, "key_test") == "La clé compte de 1 à 128 caractères, sans espace."


def test_the_saved_page_keeps_the_language_of_the_payload(testapp):
    response = open_settings(testapp, lang="fr").forms["settings"].submit("save")
    assert "Paramètres enregistrés." in response.text
    response = open_settings(testapp, lang="en").forms["settings"].submit("save")
    assert "Settings saved." in response.text


def test_two_admins_of_one_store_each_keep_their_language(testapp):
    french = open_settings(testapp, lang="fr").forms["settings"]
    english = open_settings(testapp, lang="en").forms["settings"]
    assert "Paramètres enregistrés." in french.submit("save").text
    assert "Settings saved." in english.submit("save").text
    french["site_id"] = ""
    assert "Requis" in french.submit("save", status=400).text


def test_pages_without_a_payload_follow_accept_language(testapp):
    french = testapp.get("/settings", {"payload": "garbage"}, status=400, headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert "Impossible de lire les informations de la boutique" in french.text
    german = testapp.get("/settings", {"payload": "garbage"}, status=400, headers={"Accept-Language": "de"})
    assert "The store information could not be read" in german.text
    shell = testapp.get("/settings", {"app-name": "systempay"}, headers={"Accept-Language": "fr"})
    assert "Chargement des paramètres…" in shell.text and "Activez JavaScript" in shell.text
    open_settings(testapp)  # the store exists: its post without a token is forbidden, not unknown
    forbidden = testapp.post("/stores/1003/settings?app-name=systempay", {"site_id": "1"}, status=403, headers={"Accept-Language": "fr"})
    assert "Session expirée" in forbidden.text
    assert "Session expired" in testapp.post("/stores/1003/settings?app-name=systempay", {}, status=403).text


def test_admins_of_both_languages_at_once_each_get_their_own(app):
    """Requests in parallel threads never borrow another request's language (nor Deform's)."""
    failures: list[str] = []

    def admin(store_id: int, lang: str, expected: tuple[str, str]) -> None:
        testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
        for _ in range(8):
            form = open_settings(testapp, store_id=store_id, lang=lang).forms["settings"]
            form["site_id"] = ""
            text = form.submit("save", status=400).text
            if expected[0] not in text or expected[1] not in text:
                failures.append(lang)

    threads = [
        threading.Thread(target=admin, args=(1003, "fr", ("Il y a eu un problème", "Identifiant boutique"))),
        threading.Thread(target=admin, args=(1004, "en", ("There was a problem", "Shop ID"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_no_text_of_the_admin_pages_names_the_platform(testapp):
    """White-label partners: the iframe never says Ecwid or Lightspeed."""
    for lang in ("fr", "en"):
        page = open_settings(testapp, lang=lang)
        visible = re.sub(r"<[^>]+>", " ", page.text)
        assert "ecwid" not in visible.lower() and "lightspeed" not in visible.lower()
