// embeddable-tray host script: the widget's host page. The app injects it at document start
// into the top frame of every page of the main window, in the app's own isolated script world
// (webview.AddHostScript). bridge.HostScript fills in the three values below, each as a JSON
// literal; nothing else in this file is generated.
//
// What it does and why:
// - It lives in an isolated world: the page's scripts and every frame see none of its
//   variables, not the secret, not the message handler it posts to (which is registered in
//   this world only), and cannot redefine the functions it uses. Only on a page at the
//   widget's origin does it do anything.
// - Each page load makes its own secret, tells Go the page started ({kind:"load"}), and
//   then forwards the widget's messages ({kind:"message"}): those posted by the window
//   itself at the widget's origin. The widget runs top-level and posts to
//   window.parent === window; a frame's posts have another source and are dropped here.
//   Every envelope carries the secret: Go drops what does not match the page's.
// - Go reaches the page only through embeddableTrayHost (EvalHost, in this world): post()
//   delivers with this world's own window.postMessage, addressed to the widget's origin,
//   and only with the secret of this page load, so a post meant for an earlier page is not
//   delivered to a later one.
// - For the calling shim (CONTRACTS.md §3) it hands the page a MessagePort at document
//   start; what the shim posts on it goes to Go as {kind:"rtc"}, and rtc() answers on it.
(function () {
  "use strict";
  var WIDGET_ORIGIN = /*ORIGIN*/"";
  var HOST_TYPES = /*HOST_TYPES*/[];
  var MAX_SIZE = /*MAX_SIZE*/0;
  var RTC_PORT_TYPE = "embeddable-tray-rtc-port";

  if (window !== window.top || location.origin !== WIDGET_ORIGIN) {
    return;
  }
  var handlers = window.webkit && window.webkit.messageHandlers;
  var handler = handlers && handlers.embeddableTray;
  if (!handler) {
    return;
  }
  var stringify = JSON.stringify;
  var warn = console.warn.bind(console);
  var hostTypes = Object.create(null);
  for (var i = 0; i < HOST_TYPES.length; i++) {
    hostTypes[HOST_TYPES[i]] = true;
  }
  hostTypes[RTC_PORT_TYPE] = true;

  var random = new Uint8Array(32);
  crypto.getRandomValues(random);
  var secret = "";
  for (var j = 0; j < random.length; j++) {
    secret += (random[j] < 16 ? "0" : "") + random[j].toString(16);
  }

  function send(envelope, what) {
    envelope.secret = secret;
    var text;
    try {
      text = stringify(envelope);
    } catch (e) {
      warn("embeddable-tray: dropped a message that cannot be serialised:", what, String(e));
      return;
    }
    if (typeof text !== "string") {
      warn("embeddable-tray: dropped a message that cannot be serialised:", what);
      return;
    }
    if (text.length > MAX_SIZE) {
      warn("embeddable-tray: dropped a message that is too large:", what, text.length);
      return;
    }
    handler.postMessage(text);
  }

  send({ kind: "load", href: location.href }, "load");

  var channel = new MessageChannel();
  var port = channel.port1;
  port.onmessage = function (event) {
    var data = event.data;
    if (data === null || typeof data !== "object") {
      return;
    }
    send({ kind: "rtc", data: data }, "rtc");
  };
  window.postMessage({ type: RTC_PORT_TYPE }, location.origin, [channel.port2]);

  window.addEventListener("message", function (event) {
    if (event.origin !== WIDGET_ORIGIN || event.source !== window) {
      return;
    }
    var data = event.data;
    if (data === null || typeof data !== "object" || typeof data.type !== "string") {
      return;
    }
    if (hostTypes[data.type]) {
      return; // the host's own posts come back to this window
    }
    send({ kind: "message", data: data }, data.type);
  });

  var host = Object.freeze({
    post: function (s, msg) {
      if (s === secret) {
        window.postMessage(msg, WIDGET_ORIGIN);
      }
    },
    rtc: function (s, msg) {
      if (s === secret) {
        port.postMessage(msg);
      }
    },
  });
  Object.defineProperty(window, "embeddableTrayHost", { value: host });
})();
