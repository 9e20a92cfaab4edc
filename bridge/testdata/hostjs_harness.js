// Runs the rendered host script (argv[2]) in a fake browser window described by the
// scenario on stdin, and prints what it posted to the host message handler, what it posted
// to the window and to the calling shim's port. Used by host_test.go.
"use strict";
const fs = require("fs");
const vm = require("vm");
const { MessageChannel } = require("worker_threads");

const script = fs.readFileSync(process.argv[2], "utf8");
const sc = JSON.parse(fs.readFileSync(0, "utf8"));

const calls = [];
const warnings = [];
const listeners = [];
const posts = [];
let shimPort = null;
const shimGot = [];
const ctx = {
  location: { origin: sc.origin, href: sc.href },
  console: { warn: (...a) => warnings.push(a.map(String).join(" ")), log: () => {} },
  addEventListener: (type, fn) => { if (type === "message") listeners.push(fn); },
  crypto: globalThis.crypto,
  MessageChannel: MessageChannel,
  Uint8Array: Uint8Array,
  postMessage: (msg, target, transfer) => {
    posts.push({ msg: msg, target: target });
    if (msg && msg.type === "embeddable-tray-rtc-port" && transfer && transfer[0]) {
      shimPort = transfer[0];
      shimPort.on("message", (m) => shimGot.push(m));
    }
  },
};
if (sc.handler) {
  ctx.webkit = { messageHandlers: { embeddableTray: { postMessage: (s) => calls.push(s) } } };
}
ctx.window = ctx;
ctx.top = sc.top ? ctx : {};
vm.createContext(ctx);
vm.runInContext(script, ctx);
// Inside the context "window" is the context's global, not the sandbox object.
const self = vm.runInContext("globalThis", ctx);

for (const ev of sc.events || []) {
  let data = ev.data;
  if (ev.cyclic) {
    data = { type: "rc-call-ring-notify" };
    data.self = data;
  }
  const event = { origin: ev.origin, source: ev.sameSource ? self : {}, data: data };
  for (const fn of listeners) fn(event);
}

const host = self.embeddableTrayHost;
let secret = "";
if (calls.length > 0) {
  secret = JSON.parse(calls[0]).secret;
}
if (host) {
  for (const p of sc.hostPosts || []) {
    host.post(p.secret === "PAGE" ? secret : p.secret, p.msg);
    host.rtc(p.secret === "PAGE" ? secret : p.secret, p.msg);
  }
}
if (shimPort) {
  for (const m of sc.shimPosts || []) shimPort.postMessage(m);
}

// MessagePorts deliver asynchronously: wait for what the scenario expects (or give up after
// 5 s, and the test sees what came).
const deadline = Date.now() + 5000;
function rtcCalls() { return calls.filter((c) => JSON.parse(c).kind === "rtc").length; }
function done() {
  if ((rtcCalls() < (sc.expectRTC || 0) || shimGot.length < (sc.expectShim || 0)) && Date.now() < deadline) {
    setImmediate(done);
    return;
  }
  if (shimPort) shimPort.close();
  process.stdout.write(JSON.stringify({
    calls: calls,
    warnings: warnings,
    listeners: listeners.length,
    posts: posts,
    shimGot: shimGot,
    hostApi: !!host,
    secret: secret,
  }));
}
setImmediate(done);
