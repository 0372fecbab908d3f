/*
 * The sandbox's demo admin, around an app's iframe (the other end of ecwid-app.js):
 * a loader until the app calls EcwidApp.init() (or ready() when autoloadedflag is false),
 * the iframe's height from setSize / autoheight, and a log of the messages received.
 * Only messages from that iframe's window and origin count.
 */
(function (window, document) {
  "use strict";

  var CHANNEL = "ecwid-sandbox-app";
  var MAX_HEIGHT = 20000;
  var area = document.getElementById("app-area");
  var frame = document.getElementById("settings-frame");
  var loader = document.getElementById("app-loader");
  var missing = document.getElementById("app-init-missing");
  var log = document.getElementById("sdk-log");
  if (!area || !frame) {
    return;
  }
  var appOrigin = area.getAttribute("data-app-origin");
  var timeout = Number(area.getAttribute("data-init-timeout") || "0");
  var waitForReady = false;

  function show(reason) {
    if (area.getAttribute("data-state") === "ready") {
      return;
    }
    area.setAttribute("data-state", "ready");
    area.setAttribute("data-shown-by", reason);
    loader.hidden = true;
  }

  function record(method, params) {
    if (!log) {
      return;
    }
    var item = document.createElement("li");
    item.className = "sdk-message";
    item.setAttribute("data-method", method);
    item.textContent = method + " " + JSON.stringify(params || {});
    log.appendChild(item);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== appOrigin) {
      return;
    }
    var message = event.data;
    if (!message || message.channel !== CHANNEL || typeof message.method !== "string") {
      return;
    }
    var params = message.params || {};
    record(message.method, params);
    if (message.method === "init") {
      area.setAttribute("data-app-id", String(params.app_id || ""));
      area.setAttribute("data-autoheight", params.autoheight ? "true" : "false");
      waitForReady = params.autoloadedflag === false;
      if (!waitForReady) {
        show("init");
      }
    } else if (message.method === "ready") {
      show("ready");
    } else if (message.method === "setSize") {
      var height = Math.ceil(Number(params.height));
      if (height > 0 && height <= MAX_HEIGHT) {
        frame.style.height = height + "px";
        area.setAttribute("data-height", String(height));
      }
    }
  });

  // A new document in the iframe (e.g. after a form post) starts without the SDK's state.
  frame.addEventListener("load", function () {
    area.setAttribute("data-loads", String(Number(area.getAttribute("data-loads") || "0") + 1));
  });

  if (timeout > 0) {
    window.setTimeout(function () {
      if (area.getAttribute("data-state") !== "ready") {
        show("timeout");
        missing.hidden = false;
      }
    }, timeout * 1000);
  }
})(window, document);
