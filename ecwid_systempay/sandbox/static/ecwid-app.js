/*
 * Simulated app JS SDK of the sandbox's Ecwid admin (written for the sandbox).
 *
 * Same API as Ecwid's ecwid-app.js 1.3.0, so an app page works unchanged against the
 * sandbox and against the real admin:
 *   EcwidApp.init({app_id, autoloadedflag, autoheight})  required; tells the admin the app is there
 *   EcwidApp.ready()                                      the app finished loading (autoloadedflag false)
 *   EcwidApp.setSize({height})                            set the iframe's height in pixels
 *   EcwidApp.getPayload()                                 the store context of default user auth: the
 *                                                         URL fragment, hex-encoded JSON, or null
 *   EcwidApp.openPage(page)                               ask the admin to open one of its pages
 * It talks to the parent (the admin page) with postMessage; the admin accepts messages
 * only from the app's iframe and origin. Messages carry no secret.
 */
(function (window, document) {
  "use strict";

  var CHANNEL = "ecwid-sandbox-app";
  // Read at load time: a page may remove the fragment from its URL afterwards.
  var initialFragment = window.location.hash;
  var state = { appId: "", initialized: false, autoheight: false, lastHeight: 0, watching: false };

  function send(method, params) {
    if (window.parent === window) {
      return false;
    }
    window.parent.postMessage({ channel: CHANNEL, method: method, appId: state.appId, params: params || {} }, "*");
    return true;
  }

  function contentHeight() {
    var html = document.documentElement;
    var body = document.body;
    return Math.ceil(Math.max(html.getBoundingClientRect().height, body ? body.offsetHeight : 0));
  }

  function reportHeight() {
    if (!state.autoheight) {
      return;
    }
    var height = contentHeight();
    if (height > 0 && height !== state.lastHeight) {
      state.lastHeight = height;
      send("setSize", { height: height });
    }
  }

  function watchHeight() {
    if (state.watching) {
      return;
    }
    state.watching = true;
    reportHeight();
    if (window.ResizeObserver) {
      var observer = new window.ResizeObserver(reportHeight);
      observer.observe(document.documentElement);
      if (document.body) {
        observer.observe(document.body);
      }
    }
    window.addEventListener("load", reportHeight);
    window.setInterval(reportHeight, 500); // images, fonts: whatever the observer misses
  }

  function decodeHexJson(fragment) {
    var hex = String(fragment || "").replace(/^#/, "");
    if (!hex || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
      return null;
    }
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i += 1) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    try {
      var data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      return data !== null && typeof data === "object" && !Array.isArray(data) ? data : null;
    } catch (error) {
      return null;
    }
  }

  var EcwidApp = {
    init: function (options) {
      options = options || {};
      state.appId = String(options.app_id || "");
      state.autoheight = options.autoheight === true;
      state.initialized = true;
      send("init", {
        app_id: state.appId,
        autoloadedflag: options.autoloadedflag !== false,
        autoheight: state.autoheight
      });
      if (state.autoheight) {
        if (document.readyState === "loading") {
          document.addEventListener("DOMContentLoaded", watchHeight);
        } else {
          watchHeight();
        }
      }
      return EcwidApp;
    },
    ready: function () {
      send("ready");
    },
    setSize: function (size) {
      var height = Math.ceil(Number(size && size.height));
      if (height > 0) {
        send("setSize", { height: height });
      }
    },
    getPayload: function () {
      return decodeHexJson(window.location.hash) || decodeHexJson(initialFragment);
    },
    openPage: function (page) {
      send("openPage", { page: String(page || "") });
    }
  };

  window.EcwidApp = EcwidApp;
})(window, document);
