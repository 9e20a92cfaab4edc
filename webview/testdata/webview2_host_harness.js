// Runs the app's host script (argv[2], adapted by webView2Script) as WebView2 would at document
// start in the top frame of a page at argv[3], with nothing but chrome.webview to reach the
// host. Then the page posts one widget message and Go's answer is delivered with the wrong
// secret. Prints the kinds of the envelopes that reached chrome.webview.postMessage, as JSON.
"use strict";
const script = process.argv[2];
const origin = process.argv[3];
const posted = [];
const listeners = {};
const win = {
  chrome: { webview: { postMessage: (s) => posted.push(s) } },
  location: { origin, href: origin + "/app.html" },
  addEventListener: (type, f) => {
    (listeners[type] = listeners[type] || []).push(f);
  },
  postMessage: (data) => {
    for (const f of listeners.message || []) {
      f({ data, origin, source: win });
    }
  },
  console,
};
win.window = win;
win.top = win;
new Function("window", "location", "crypto", "MessageChannel", script)(win, win.location, crypto, MessageChannel);
win.postMessage({ type: "rc-adapter-pushAdapterState" });
if (win.embeddableTrayHost) {
  win.embeddableTrayHost.post("not the secret", { type: "rc-adapter-register-third-party-service" });
}
setTimeout(() => {
  process.stdout.write(JSON.stringify(posted.map((p) => JSON.parse(p).kind)));
  process.exit(0);
}, 50);
