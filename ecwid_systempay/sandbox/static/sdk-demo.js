// The sandbox's SDK demo app: calls EcwidApp.init() after ?init_delay_ms= (1500; -1: never,
// then window.sdkDemo.init() or the button), with ?autoheight=0 / ?autoloaded=0 to change the
// options; "Add a row" grows the page, "setSize" sets the iframe height by hand.
(function (window, document) {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var delay = parseInt(params.get("init_delay_ms") || "1500", 10);
  var options = {
    app_id: params.get("app-name") || "sdk-demo",
    autoloadedflag: params.get("autoloaded") !== "0",
    autoheight: params.get("autoheight") !== "0"
  };
  var status = document.getElementById("demo-status");
  var rows = document.getElementById("rows");

  function say(text) {
    status.textContent = text;
  }

  var demo = {
    initialized: false,
    init: function () {
      if (!demo.initialized) {
        demo.initialized = true;
        window.EcwidApp.init(options);
        say("EcwidApp.init() called (autoheight " + options.autoheight + ", autoloadedflag " + options.autoloadedflag + ").");
      }
    },
    ready: function () {
      window.EcwidApp.ready();
      say("EcwidApp.ready() called.");
    },
    grow: function () {
      var card = document.createElement("div");
      card.className = "a-card row-card";
      card.innerHTML = '<div class="a-card__paddings"><p class="a-card__title"></p><p class="a-card__subtitle">A card making the page taller.</p></div>';
      card.querySelector(".a-card__title").textContent = "Row " + (rows.children.length + 1);
      rows.appendChild(card);
    },
    setSize: function (height) {
      window.EcwidApp.setSize({ height: height });
      say("EcwidApp.setSize({height: " + height + "}) called.");
    }
  };
  window.sdkDemo = demo;

  var payload = window.EcwidApp.getPayload();
  if (payload) {
    document.getElementById("payload-store-id").textContent = String(payload.store_id);
    document.getElementById("payload-lang").textContent = String(payload.lang || "");
    document.getElementById("payload-view-mode").textContent = String(payload.view_mode || "");
    var token = String(payload.access_token || "");
    document.getElementById("payload-token").textContent = token ? token.slice(0, 10) + "…" : "";
  }
  document.getElementById("demo-init").addEventListener("click", demo.init);
  document.getElementById("demo-ready").addEventListener("click", demo.ready);
  document.getElementById("grow").addEventListener("click", demo.grow);
  document.getElementById("set-size").addEventListener("click", function () {
    demo.setSize(Number(document.getElementById("demo-height").value));
  });
  if (delay >= 0) {
    window.setTimeout(demo.init, delay);
  }
})(window, document);
