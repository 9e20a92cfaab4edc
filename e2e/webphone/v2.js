// ringcentral-web-phone 2.x set up as the /3.x/ widget sets it up; events and commands
// through driver.js.
"use strict";
(async function () {
  const regData = await provision();
  const sipInfo = regData.sipInfo[0];
  // 2.x always dials "wss://" + outboundProxy; the loopback test platform serves plain ws on
  // this page's origin, so that one URL is mapped back (nothing else is touched).
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url === "wss://" + sipInfo.outboundProxy ? "ws://" + sipInfo.outboundProxy : url, protocols);
    }
  };
  const phone = new WebPhone({ sipInfo: sipInfo, autoAnswer: false });

  function track(session) {
    const n = addCall(session);
    session.on("answered", function () { report("accepted", { call: n }); });
    session.on("disposed", function () { report("ended", { call: n }); });
    session.on("failed", function (why) { report("call-failed", { call: n, detail: String(why) }); });
    return n;
  }

  phone.on("inboundCall", function (session) {
    const n = track(session);
    report("incoming", { call: n, detail: session.remoteNumber });
  });
  await phone.start();
  report("registered");

  startDriver({
    // answer() resolves only on a platform MESSAGE this stand-in does not send: the
    // "accepted" event says when the call is up.
    answer: function (a) { callOf(a).answer(); },
    call: function (a) {
      // call() resolves once the far end answers; its session exists as soon as it is called
      phone.call(a.number).catch(function (e) { report("error", { detail: "call: " + e }); });
      return { call: track(phone.callSessions[phone.callSessions.length - 1]) };
    },
    hold: function (a) { return callOf(a).hold(); },
    unhold: function (a) { return callOf(a).unhold(); },
    mute: function (a) { callOf(a).mute(); },
    unmute: function (a) { callOf(a).unmute(); },
    dtmf: function (a) { callOf(a).sendDtmf(a.digits, 100, 50); },
    hangup: function (a) {
      const s = callOf(a);
      return s.state === "answered" ? s.hangup() : s.direction === "inbound" ? s.decline() : s.cancel();
    },
    stats: function (a) { return stats(callOf(a).rtcPeerConnection); },
  });
})().catch(function (e) { report("error", { detail: String(e && (e.stack || e.message) || e) }); });
