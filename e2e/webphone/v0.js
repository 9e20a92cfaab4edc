// ringcentral-web-phone 0.8.14 set up as the widget sets it up: provision, then a
// WebPhone with remote/local media elements; events and commands through driver.js.
"use strict";
(async function () {
  const regData = await provision();
  const phone = new RingCentral.WebPhone(regData, {
    appKey: "rcsip-test", appName: "rcsip-test", appVersion: "1.0.0", uuid: "rcsip-test-" + Date.now(),
    logLevel: 1, audioHelper: { enabled: false }, enableQos: false,
    media: { remote: document.getElementById("remote"), local: document.getElementById("local") },
  });
  const ua = phone.userAgent;

  function track(session) {
    const n = addCall(session);
    session.on("accepted", function () { report("accepted", { call: n }); });
    session.on("terminated", function () { report("ended", { call: n }); });
    session.on("failed", function (r, cause) { report("call-failed", { call: n, detail: String(cause) }); });
    return n;
  }

  ua.on("registered", function () { report("registered"); });
  ua.on("registrationFailed", function (r, cause) { report("error", { detail: "registration failed: " + cause }); });
  ua.on("invite", function (session) {
    const n = track(session);
    report("incoming", { call: n, detail: session.remoteIdentity.uri.user });
  });
  ua.start();

  startDriver({
    answer: function (a) { return callOf(a).accept().then(function () {}); },
    call: function (a) { return { call: track(ua.invite(a.number, {})) }; },
    hold: function (a) { return callOf(a).hold().then(function () {}); },
    unhold: function (a) { return callOf(a).unhold().then(function () {}); },
    mute: function (a) { callOf(a).mute(); },
    unmute: function (a) { callOf(a).unmute(); },
    dtmf: function (a) { callOf(a).dtmf(a.digits, 100, 50); },
    hangup: function (a) { callOf(a).terminate(); },
    // what the widget does after three silent stats reads: an ICE restart and a re-INVITE
    iceRestart: function (a) { return callOf(a).mediaStreams.reconnectMedia().then(function () {}); },
    stats: function (a) { return stats(callOf(a).sessionDescriptionHandler.peerConnection); },
  });
})().catch(function (e) { report("error", { detail: String(e && (e.stack || e.message) || e) }); });
