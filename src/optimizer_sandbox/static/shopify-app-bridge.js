/*
 * A stand-in for Shopify's App Bridge, served by the Shopify sandbox at the URL the app is told to
 * load (SHOPIFY_APP_BRIDGE_URL). It offers the one API the app uses, the `shopify` global's
 * `idToken()` (https://shopify.dev/docs/api/app-bridge-library/reference/id-token: "await
 * shopify.idToken()", a Promise of a session token), and asks the admin page that frames the app for
 * each token, as the real script asks the Shopify admin. Set-up rules it holds the app to
 * (https://shopify.dev/docs/api/app-bridge-library): the `shopify-api-key` meta tag, and a plain
 * script tag loaded before any other script.
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
  var next = 0;

  window.addEventListener("message", function (event) {
    var data = event.data || {};
    if (event.source !== host || data.type !== "sandbox-app-bridge:id-token" || !pending[data.id]) return;
    var waiting = pending[data.id];
    delete pending[data.id];
    if (data.token) waiting.resolve(data.token);
    else waiting.reject(new Error(data.error || "The admin gave no session token"));
  });

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
  };
})();
