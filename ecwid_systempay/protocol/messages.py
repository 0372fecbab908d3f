"""Texts a buyer reads, in the payment page languages (seed section 5.3).

Used for the error pages, the "payment being confirmed" page and the ``errorMsg``
appended to Ecwid's ``returnUrl``. Unknown languages fall back to English.
"""

from __future__ import annotations

from .languages import normalize_language

_KEYS = (
    "refused",
    "cancelled",
    "failed",
    "confirming_title",
    "confirming_body",
    "back_to_shop",
    "unsupported_currency",
    "not_configured",
    "invalid_request",
    "redirecting",
    "continue",
    "error_title",
    "not_found",
)

_TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Your payment was refused.",
        "Your payment was cancelled.",
        "Your payment could not be completed.",
        "Your payment is being confirmed",
        "Please wait a few seconds: this page refreshes by itself.",
        "Back to the shop",
        "This payment method does not accept the currency of your order.",
        "This payment method is not available yet. Please choose another one or contact the shop.",
        "The payment request could not be read. Please go back to the shop and try again.",
        "You are being redirected to the secure payment page…",
        "Continue to payment",
        "Payment unavailable",
        "This payment could not be found.",
    ),
    "fr": (
        "Votre paiement a été refusé.",
        "Votre paiement a été annulé.",
        "Votre paiement n'a pas pu aboutir.",
        "Votre paiement est en cours de confirmation",
        "Merci de patienter quelques secondes : cette page se met à jour toute seule.",
        "Retour à la boutique",
        "Ce moyen de paiement n'accepte pas la devise de votre commande.",
        "Ce moyen de paiement n'est pas encore disponible. Choisissez-en un autre ou contactez la boutique.",
        "La demande de paiement est illisible. Retournez à la boutique et réessayez.",
        "Redirection vers la page de paiement sécurisée…",
        "Continuer vers le paiement",
        "Paiement indisponible",
        "Ce paiement est introuvable.",
    ),
    "de": (
        "Ihre Zahlung wurde abgelehnt.",
        "Ihre Zahlung wurde abgebrochen.",
        "Ihre Zahlung konnte nicht abgeschlossen werden.",
        "Ihre Zahlung wird bestätigt",
        "Bitte warten Sie einige Sekunden: Diese Seite aktualisiert sich selbst.",
        "Zurück zum Shop",
        "Diese Zahlungsart akzeptiert die Währung Ihrer Bestellung nicht.",
        "Diese Zahlungsart ist noch nicht verfügbar. Bitte wählen Sie eine andere oder kontaktieren Sie den Shop.",
        "Die Zahlungsanfrage konnte nicht gelesen werden. Bitte kehren Sie zum Shop zurück und versuchen Sie es erneut.",
        "Sie werden zur sicheren Zahlungsseite weitergeleitet…",
        "Weiter zur Zahlung",
        "Zahlung nicht verfügbar",
        "Diese Zahlung wurde nicht gefunden.",
    ),
    "es": (
        "Su pago ha sido rechazado.",
        "Su pago ha sido cancelado.",
        "No se pudo completar su pago.",
        "Su pago se está confirmando",
        "Espere unos segundos: esta página se actualiza sola.",
        "Volver a la tienda",
        "Este medio de pago no acepta la moneda de su pedido.",
        "Este medio de pago aún no está disponible. Elija otro o contacte con la tienda.",
        "No se pudo leer la solicitud de pago. Vuelva a la tienda e inténtelo de nuevo.",
        "Redirigiendo a la página de pago segura…",
        "Continuar al pago",
        "Pago no disponible",
        "No se encontró este pago.",
    ),
    "it": (
        "Il pagamento è stato rifiutato.",
        "Il pagamento è stato annullato.",
        "Non è stato possibile completare il pagamento.",
        "Il pagamento è in fase di conferma",
        "Attendere qualche secondo: questa pagina si aggiorna da sola.",
        "Torna al negozio",
        "Questo metodo di pagamento non accetta la valuta dell'ordine.",
        "Questo metodo di pagamento non è ancora disponibile. Scegline un altro o contatta il negozio.",
        "Impossibile leggere la richiesta di pagamento. Torna al negozio e riprova.",
        "Reindirizzamento alla pagina di pagamento sicura…",
        "Continua con il pagamento",
        "Pagamento non disponibile",
        "Pagamento non trovato.",
    ),
    "nl": (
        "Uw betaling is geweigerd.",
        "Uw betaling is geannuleerd.",
        "Uw betaling kon niet worden voltooid.",
        "Uw betaling wordt bevestigd",
        "Even geduld: deze pagina ververst vanzelf.",
        "Terug naar de winkel",
        "Deze betaalmethode accepteert de valuta van uw bestelling niet.",
        "Deze betaalmethode is nog niet beschikbaar. Kies een andere of neem contact op met de winkel.",
        "Het betaalverzoek kon niet worden gelezen. Ga terug naar de winkel en probeer het opnieuw.",
        "U wordt doorgestuurd naar de beveiligde betaalpagina…",
        "Doorgaan naar betalen",
        "Betaling niet beschikbaar",
        "Deze betaling is niet gevonden.",
    ),
    "pt": (
        "O seu pagamento foi recusado.",
        "O seu pagamento foi cancelado.",
        "Não foi possível concluir o seu pagamento.",
        "O seu pagamento está a ser confirmado",
        "Aguarde alguns segundos: esta página atualiza-se sozinha.",
        "Voltar à loja",
        "Este meio de pagamento não aceita a moeda da sua encomenda.",
        "Este meio de pagamento ainda não está disponível. Escolha outro ou contacte a loja.",
        "Não foi possível ler o pedido de pagamento. Volte à loja e tente novamente.",
        "A redirecionar para a página de pagamento segura…",
        "Continuar para o pagamento",
        "Pagamento indisponível",
        "Este pagamento não foi encontrado.",
    ),
    "pl": (
        "Płatność została odrzucona.",
        "Płatność została anulowana.",
        "Nie udało się zrealizować płatności.",
        "Płatność jest potwierdzana",
        "Proszę poczekać kilka sekund: ta strona odświeży się sama.",
        "Powrót do sklepu",
        "Ta metoda płatności nie obsługuje waluty zamówienia.",
        "Ta metoda płatności nie jest jeszcze dostępna. Wybierz inną lub skontaktuj się ze sklepem.",
        "Nie można odczytać żądania płatności. Wróć do sklepu i spróbuj ponownie.",
        "Przekierowanie na bezpieczną stronę płatności…",
        "Przejdź do płatności",
        "Płatność niedostępna",
        "Nie znaleziono tej płatności.",
    ),
    "ru": (
        "Ваш платёж отклонён.",
        "Ваш платёж отменён.",
        "Не удалось завершить платёж.",
        "Ваш платёж подтверждается",
        "Подождите несколько секунд: страница обновится сама.",
        "Вернуться в магазин",
        "Этот способ оплаты не принимает валюту вашего заказа.",
        "Этот способ оплаты пока недоступен. Выберите другой или свяжитесь с магазином.",
        "Не удалось прочитать запрос на оплату. Вернитесь в магазин и попробуйте снова.",
        "Перенаправление на защищённую страницу оплаты…",
        "Перейти к оплате",
        "Оплата недоступна",
        "Платёж не найден.",
    ),
    "sv": (
        "Din betalning nekades.",
        "Din betalning avbröts.",
        "Din betalning kunde inte genomföras.",
        "Din betalning bekräftas",
        "Vänta några sekunder: sidan uppdateras av sig själv.",
        "Tillbaka till butiken",
        "Det här betalsättet accepterar inte din orders valuta.",
        "Det här betalsättet är inte tillgängligt ännu. Välj ett annat eller kontakta butiken.",
        "Betalningsbegäran kunde inte läsas. Gå tillbaka till butiken och försök igen.",
        "Du skickas vidare till den säkra betalsidan…",
        "Fortsätt till betalning",
        "Betalning ej tillgänglig",
        "Betalningen hittades inte.",
    ),
    "tr": (
        "Ödemeniz reddedildi.",
        "Ödemeniz iptal edildi.",
        "Ödemeniz tamamlanamadı.",
        "Ödemeniz onaylanıyor",
        "Lütfen birkaç saniye bekleyin: bu sayfa kendiliğinden yenilenir.",
        "Mağazaya dön",
        "Bu ödeme yöntemi siparişinizin para birimini kabul etmiyor.",
        "Bu ödeme yöntemi henüz kullanılamıyor. Başka bir yöntem seçin veya mağazayla iletişime geçin.",
        "Ödeme isteği okunamadı. Mağazaya dönüp tekrar deneyin.",
        "Güvenli ödeme sayfasına yönlendiriliyorsunuz…",
        "Ödemeye devam et",
        "Ödeme kullanılamıyor",
        "Bu ödeme bulunamadı.",
    ),
    "zh": (
        "您的付款被拒绝。",
        "您的付款已取消。",
        "您的付款未能完成。",
        "正在确认您的付款",
        "请稍候几秒钟：此页面会自动刷新。",
        "返回商店",
        "此付款方式不接受您订单的货币。",
        "此付款方式暂不可用。请选择其他方式或联系商店。",
        "无法读取付款请求。请返回商店后重试。",
        "正在跳转到安全付款页面…",
        "继续付款",
        "付款不可用",
        "找不到此付款。",
    ),
    "ja": (
        "お支払いは拒否されました。",
        "お支払いはキャンセルされました。",
        "お支払いを完了できませんでした。",
        "お支払いを確認しています",
        "数秒お待ちください。このページは自動的に更新されます。",
        "ショップに戻る",
        "この支払い方法はご注文の通貨に対応していません。",
        "この支払い方法はまだご利用いただけません。別の方法を選ぶか、ショップにお問い合わせください。",
        "支払いリクエストを読み取れませんでした。ショップに戻ってもう一度お試しください。",
        "安全な支払いページに移動しています…",
        "支払いに進む",
        "お支払いできません",
        "このお支払いは見つかりませんでした。",
    ),
}

#: Refusals of a checkout: an unverifiable legacy request, too many attempts, no trans id left.
_CHECKOUT_KEYS = ("unverified_request", "too_many_attempts", "temporarily_unavailable")

_CHECKOUT_TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "This payment request could not be verified. Please go back to the shop and try again.",
        "Too many payment attempts were made for this order. Please contact the shop.",
        "This payment method is temporarily unavailable. Please try again later or contact the shop.",
    ),
    "fr": (
        "Cette demande de paiement n'a pas pu être vérifiée. Retournez à la boutique et réessayez.",
        "Trop de tentatives de paiement ont été faites pour cette commande. Contactez la boutique.",
        "Ce moyen de paiement est momentanément indisponible. Réessayez plus tard ou contactez la boutique.",
    ),
    "de": (
        "Diese Zahlungsanfrage konnte nicht überprüft werden. Bitte kehren Sie zum Shop zurück und versuchen Sie es erneut.",
        "Für diese Bestellung gab es zu viele Zahlungsversuche. Bitte kontaktieren Sie den Shop.",
        "Diese Zahlungsart ist vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut oder kontaktieren Sie den Shop.",
    ),
    "es": (
        "No se pudo verificar esta solicitud de pago. Vuelva a la tienda e inténtelo de nuevo.",
        "Se han realizado demasiados intentos de pago para este pedido. Contacte con la tienda.",
        "Este medio de pago no está disponible temporalmente. Inténtelo más tarde o contacte con la tienda.",
    ),
    "it": (
        "Non è stato possibile verificare questa richiesta di pagamento. Torni al negozio e riprovi.",
        "Sono stati effettuati troppi tentativi di pagamento per questo ordine. Contatti il negozio.",
        "Questo metodo di pagamento è temporaneamente non disponibile. Riprovi più tardi o contatti il negozio.",
    ),
    "nl": (
        "Dit betalingsverzoek kon niet worden geverifieerd. Ga terug naar de winkel en probeer het opnieuw.",
        "Er zijn te veel betaalpogingen gedaan voor deze bestelling. Neem contact op met de winkel.",
        "Deze betaalmethode is tijdelijk niet beschikbaar. Probeer het later opnieuw of neem contact op met de winkel.",
    ),
    "pt": (
        "Não foi possível verificar este pedido de pagamento. Volte à loja e tente novamente.",
        "Foram feitas demasiadas tentativas de pagamento para esta encomenda. Contacte a loja.",
        "Este meio de pagamento está temporariamente indisponível. Tente mais tarde ou contacte a loja.",
    ),
    "pl": (
        "Nie udało się zweryfikować tego żądania płatności. Wróć do sklepu i spróbuj ponownie.",
        "Wykonano zbyt wiele prób płatności za to zamówienie. Skontaktuj się ze sklepem.",
        "Ta metoda płatności jest chwilowo niedostępna. Spróbuj później lub skontaktuj się ze sklepem.",
    ),
    "ru": (
        "Не удалось проверить этот запрос на оплату. Вернитесь в магазин и попробуйте снова.",
        "Для этого заказа сделано слишком много попыток оплаты. Свяжитесь с магазином.",
        "Этот способ оплаты временно недоступен. Попробуйте позже или свяжитесь с магазином.",
    ),
    "sv": (
        "Betalningsbegäran kunde inte verifieras. Gå tillbaka till butiken och försök igen.",
        "För många betalningsförsök har gjorts för den här ordern. Kontakta butiken.",
        "Det här betalsättet är tillfälligt otillgängligt. Försök igen senare eller kontakta butiken.",
    ),
    "tr": (
        "Bu ödeme isteği doğrulanamadı. Mağazaya dönüp tekrar deneyin.",
        "Bu sipariş için çok fazla ödeme denemesi yapıldı. Lütfen mağazayla iletişime geçin.",
        "Bu ödeme yöntemi geçici olarak kullanılamıyor. Daha sonra tekrar deneyin veya mağazayla iletişime geçin.",
    ),
    "zh": (
        "无法验证此付款请求。请返回商店后重试。",
        "此订单的付款尝试次数过多。请联系商店。",
        "此付款方式暂时不可用。请稍后重试或联系商店。",
    ),
    "ja": (
        "この支払いリクエストを確認できませんでした。ショップに戻ってもう一度お試しください。",
        "このご注文のお支払いの試行回数が多すぎます。ショップにお問い合わせください。",
        "この支払い方法は一時的にご利用いただけません。後でもう一度お試しいただくか、ショップにお問い合わせください。",
    ),
}

MESSAGES: dict[str, dict[str, str]] = {
    lang: {**dict(zip(_KEYS, texts, strict=True)), **dict(zip(_CHECKOUT_KEYS, _CHECKOUT_TEXTS[lang], strict=True))}
    for lang, texts in _TEXTS.items()
}


def message(key: str, lang: str | None) -> str:
    """The text ``key`` in ``lang`` (English when the language is unknown)."""
    return MESSAGES.get(normalize_language(lang) or "en", MESSAGES["en"])[key]


def buyer_language(lang: str | None) -> str:
    return normalize_language(lang) or "en"
