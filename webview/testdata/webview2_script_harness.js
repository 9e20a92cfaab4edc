// Runs a script adapted by webView2Script (argv[2]) as WebView2 would at document start, in a
// fake window (argv[3]: "top" or "frame"), and prints what reached chrome.webview.postMessage
// and whether the script ran, as JSON.
"use strict";
const script = process.argv[2];
const where = process.argv[3];
const posted = [];
const win = {
  ran: false,
  chrome: { webview: { postMessage: (s) => posted.push(s) } },
};
win.window = win;
win.top = where === "top" ? win : {};
// The page's own script later replaces chrome.webview.postMessage: the host's handler
// must keep the one it had at document start.
new Function("window", script)(win);
win.chrome.webview.postMessage = () => posted.push("page replaced postMessage");
if (typeof win.later === "function") {
  win.later();
}
process.stdout.write(JSON.stringify({ ran: win.ran, posted, webkitURL: win.webkitURL }));
