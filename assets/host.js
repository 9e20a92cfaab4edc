// embeddable-tray host script: the widget's host page, injected by the app into every
// top-level page of the main window at document start (webview Init), after the Go
// binding's own init script. bridge.HostScript fills in the four values below, each as
// a JSON literal; nothing else in this file is generated.
//
// What it does and why:
// - It takes the bound Go function away from the page (on every page: no page needs
//   it), and keeps it with the per-launch secret in this closure. Go refuses any call
//   without the secret, so a page that reaches the native message handler some other way
//   (another origin, a frame) gets nowhere.
// - Only on the widget's origin, top-level, does it do anything more: report the page
//   load, then forward the widget's messages to Go.
// - The widget runs top-level, so it posts to window.parent === window: its messages
//   arrive at this window with its own origin. The host's replies (window.postMessage
//   evaluated by Go, see bridge.PostScript) arrive here too; their types are dropped.
// Code of the widget's own origin could still patch what the binding uses
// (window.external, JSON.stringify) and see the secret; that code can already post any
// message to the host, so it would gain nothing it does not have.
(function () {
  "use strict";
  var WIDGET_ORIGIN = /*ORIGIN*/"";
  var SECRET = /*SECRET*/"";
  var BINDING = /*BINDING*/"";
  var HOST_TYPES = /*HOST_TYPES*/[];

  var bound = window[BINDING];
  try {
    delete window[BINDING];
  } catch (e) {
    window[BINDING] = undefined;
  }
  if (typeof bound !== "function") {
    return;
  }
  if (window !== window.top || location.origin !== WIDGET_ORIGIN) {
    return;
  }

  var stringify = JSON.stringify;
  var warn = console.warn.bind(console);
  var hostTypes = Object.create(null);
  for (var i = 0; i < HOST_TYPES.length; i++) {
    hostTypes[HOST_TYPES[i]] = true;
  }

  function send(envelope, what) {
    var text;
    try {
      text = stringify(envelope);
    } catch (e) {
      warn("embeddable-tray: dropped a message that cannot be serialised:", what, e);
      return;
    }
    if (typeof text !== "string") {
      warn("embeddable-tray: dropped a message that cannot be serialised:", what);
      return;
    }
    var p;
    try {
      p = bound(SECRET, text);
    } catch (e) {
      warn("embeddable-tray: the host refused", what, String(e));
      return;
    }
    if (p && typeof p.then === "function") {
      p.then(undefined, function (err) {
        warn("embeddable-tray: the host refused", what, String(err));
      });
    }
  }

  send({ kind: "load", href: location.href }, "load");

  window.addEventListener("message", function (event) {
    if (event.origin !== WIDGET_ORIGIN || event.source !== window) {
      return;
    }
    var data = event.data;
    if (data === null || typeof data !== "object" || typeof data.type !== "string") {
      return;
    }
    if (hostTypes[data.type]) {
      return;
    }
    send({ kind: "message", data: data }, data.type);
  });
})();
