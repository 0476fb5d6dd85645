/*
 * A stand-in for Shopify's App Bridge, served by the Shopify sandbox at the URL the app is told to
 * load (SHOPIFY_APP_BRIDGE_URL). It offers the parts of App Bridge the app uses, each as Shopify
 * documents it, and carries each to the admin page that frames the app, as the real script carries
 * them to the Shopify admin:
 *
 * - `shopify.idToken()` (https://shopify.dev/docs/api/app-bridge-library/reference/id-token: "await
 *   shopify.idToken()", a Promise of a session token), asked of the admin for each call.
 * - `shopify.toast.show(message, opts)` answering the toast's id, and `shopify.toast.hide(id)`
 *   (https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/toast-api:
 *   ToastOptions `duration` (ms, default 5000), `isError`, `action`, `onAction`, `onDismiss`).
 *   The admin shows the toast.
 * - the `ui-title-bar` element, whose `title` attribute the admin shows in its title bar above the
 *   app (https://shopify.dev/docs/api/app-home/app-bridge-web-components/title-bar); it renders
 *   nothing in the app's page.
 * - the `ui-save-bar` element with an `id`, whose `<button variant="primary">` child is Save and
 *   whose other `<button>` is Discard, and `shopify.saveBar.show(id)`, `hide(id)` and `toggle(id)`,
 *   each a Promise (https://shopify.dev/docs/api/app-home/app-bridge-web-components/ui-save-bar and
 *   https://shopify.dev/docs/api/app-home/apis/user-interface-and-interactions/save-bar-api). The
 *   admin shows the bar; pressing its Save or Discard clicks the matching child button.
 *
 * Set-up rules it holds the app to (https://shopify.dev/docs/api/app-bridge-library): the
 * `shopify-api-key` meta tag, and a plain script tag loaded before any other script.
 */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || me.async || me.defer || document.getElementsByTagName("script")[0] !== me) {
    throw new Error("App Bridge must be the first script of the page, without async, defer or type=module");
  }
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  if (!meta || !meta.content) {
    throw new Error('App Bridge needs <meta name="shopify-api-key" content="..."> before its script');
  }
  var apiKey = meta.content;
  var host = window.parent !== window ? window.parent : null;
  var pending = {};
  var toasts = {};
  var next = 0;

  function tell(message) {
    if (host) host.postMessage(message, "*");
  }

  function saveBarButtons(bar) {
    var buttons = Array.prototype.slice.call(bar.querySelectorAll("button"));
    var save = buttons.filter(function (b) { return b.getAttribute("variant") === "primary"; })[0] || null;
    var discard = buttons.filter(function (b) { return b.getAttribute("variant") !== "primary"; })[0] || null;
    return { save: save, discard: discard };
  }

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== host || typeof data.type !== "string") return;
    if (data.type === "sandbox-app-bridge:id-token" && pending[data.id]) {
      var waiting = pending[data.id];
      delete pending[data.id];
      if (data.token) waiting.resolve(data.token);
      else waiting.reject(new Error(data.error || "The admin gave no session token"));
    } else if (data.type === "sandbox-app-bridge:toast-action" && toasts[data.id]) {
      var onAction = toasts[data.id].onAction;
      if (typeof onAction === "function") onAction();
    } else if (data.type === "sandbox-app-bridge:toast-dismissed" && toasts[data.id]) {
      var opts = toasts[data.id];
      delete toasts[data.id];
      if (data.byOwner && typeof opts.onDismiss === "function") opts.onDismiss();
    } else if (data.type === "sandbox-app-bridge:save-bar-action") {
      var bar = document.getElementById(String(data.id));
      if (!bar || bar.tagName !== "UI-SAVE-BAR") return;
      var button = saveBarButtons(bar)[data.action === "save" ? "save" : "discard"];
      if (button) button.click();
    }
  });

  function showSaveBar(id, visible) {
    var bar = document.getElementById(String(id));
    if (!bar || bar.tagName !== "UI-SAVE-BAR") {
      return Promise.reject(new Error("No ui-save-bar element with the id " + id));
    }
    bar.showing = visible;
    tell({ type: "sandbox-app-bridge:save-bar", id: String(id), visible: visible });
    return Promise.resolve();
  }

  /* The title bar: the admin shows its title; nothing renders in the app's page. */
  customElements.define(
    "ui-title-bar",
    class extends HTMLElement {
      static get observedAttributes() {
        return ["title"];
      }
      connectedCallback() {
        this.style.display = "none";
        tell({ type: "sandbox-app-bridge:title-bar", title: this.getAttribute("title") || document.title });
      }
      attributeChangedCallback() {
        if (this.isConnected) tell({ type: "sandbox-app-bridge:title-bar", title: this.getAttribute("title") || "" });
      }
      disconnectedCallback() {
        tell({ type: "sandbox-app-bridge:title-bar", title: "" });
      }
    },
  );

  /* The save bar's element: hidden in the app's page; its buttons are clicked from the admin's bar. */
  customElements.define(
    "ui-save-bar",
    class extends HTMLElement {
      connectedCallback() {
        this.style.display = "none";
        this.showing = false;
      }
      disconnectedCallback() {
        if (this.showing && this.id) tell({ type: "sandbox-app-bridge:save-bar", id: this.id, visible: false });
      }
      show() {
        return showSaveBar(this.id, true);
      }
      hide() {
        return showSaveBar(this.id, false);
      }
      toggle() {
        return showSaveBar(this.id, !this.showing);
      }
    },
  );

  window.shopify = {
    config: { apiKey: apiKey },
    idToken: function () {
      return new Promise(function (resolve, reject) {
        if (!host) {
          reject(new Error("App Bridge works only inside the Shopify admin"));
          return;
        }
        next += 1;
        pending[next] = { resolve: resolve, reject: reject };
        host.postMessage({ type: "sandbox-app-bridge:id-token-request", id: next, apiKey: apiKey }, "*");
      });
    },
    toast: {
      show: function (message, opts) {
        opts = opts || {};
        next += 1;
        var id = "toast-" + next;
        toasts[id] = opts;
        tell({
          type: "sandbox-app-bridge:toast",
          id: id,
          message: String(message),
          duration: typeof opts.duration === "number" ? opts.duration : 5000,
          isError: !!opts.isError,
          action: opts.action ? String(opts.action) : null,
        });
        return id;
      },
      hide: function (id) {
        tell({ type: "sandbox-app-bridge:toast-hide", id: String(id) });
      },
    },
    saveBar: {
      show: function (id) {
        return showSaveBar(id, true);
      },
      hide: function (id) {
        return showSaveBar(id, false);
      },
      toggle: function (id) {
        var bar = document.getElementById(String(id));
        return showSaveBar(id, !(bar && bar.showing));
      },
    },
  };
})();
