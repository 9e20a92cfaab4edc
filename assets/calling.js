// Calling shim: the browser's WebRTC and media APIs for a page whose WebKit has none.
//
// Injected at document start in the top frame, in the PAGE's script world (the web phone
// must see window.RTCPeerConnection). Where the view has native WebRTC it does nothing.
// Otherwise it defines a standards-shaped RTCPeerConnection, RTCRtpSender/Receiver (with
// RTCDTMFSender), MediaStream, MediaStreamTrack and navigator.mediaDevices, and routes media
// elements that play its streams, each backed by the app's Go engine. It talks to the engine
// only over the MessagePort the app's isolated host script hands it (CONTRACTS.md §3): the
// first "embeddable-tray-rtc-port" message posted by this window itself. Every call is a
// request {id, op, ...} answered by {id, result|error}; events {event, ...} update state and
// fire DOM events (CONTRACTS.md §4). Media never crosses the port: only SDP, states, stats,
// DTMF, devices and element routing.
(function () {
  "use strict";
  if (typeof window.RTCPeerConnection === "function") return; // native WebRTC: leave it alone

  // ---- the port and the request/response plumbing ----

  let port = null;
  const outbox = []; // requests made before the port arrived, sent in order once it does
  const pending = new Map(); // request id -> {resolve, reject}
  let nextRequest = 1;
  let unavailable = null; // the engine's reason once it said it cannot serve

  function takePort(e) {
    const d = e.data;
    if (port !== null || e.source !== window || !d || d.type !== "embeddable-tray-rtc-port" || !e.ports || e.ports.length !== 1) return;
    window.removeEventListener("message", takePort, true);
    e.stopImmediatePropagation(); // the page's own listeners never see the port
    port = e.ports[0];
    port.onmessage = function (m) { receive(m.data); };
    for (const msg of outbox.splice(0)) port.postMessage(msg);
  }
  window.addEventListener("message", takePort, true);

  function domError(name, message) { return new DOMException(message, name); }

  function request(op, params) {
    if (unavailable !== null) return Promise.reject(domError("NotReadableError", "calling is unavailable: " + unavailable));
    return new Promise(function (resolve, reject) {
      const id = nextRequest++;
      pending.set(id, { resolve: resolve, reject: reject });
      const msg = Object.assign({ id: id, op: op }, params);
      if (port) port.postMessage(msg);
      else outbox.push(msg);
    });
  }

  function receive(m) {
    if (!m || typeof m !== "object") return;
    if (typeof m.id === "number") {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(domError(String(m.error.name || "OperationError"), String(m.error.message || "")));
      else p.resolve(m.result || {});
      return;
    }
    const handle = typeof m.event === "string" && events[m.event];
    if (handle) handle(m);
  }

  let nextLocalId = 1;
  function localId(prefix) { return prefix + (nextLocalId++); }
  function newUUID() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return localId("shim-") + "-" + Math.random().toString(16).slice(2);
  }

  // fire dispatches a plain Event named type on target with the given read-only fields.
  function fire(target, type, fields) {
    const ev = new Event(type);
    for (const k in fields) Object.defineProperty(ev, k, { value: fields[k], enumerable: true });
    target.dispatchEvent(ev);
  }

  // handlers defines on<name> event handler attributes on proto ("ontrack" in pc is how
  // sip.js tells the track event from the old addstream one).
  function handlers(proto, names) {
    const slot = new WeakMap();
    for (const name of names) {
      Object.defineProperty(proto, "on" + name, {
        configurable: true, enumerable: true,
        get: function () { const h = slot.get(this); return (h && h[name] && h[name].f) || null; },
        set: function (f) {
          let h = slot.get(this);
          if (!h) slot.set(this, h = {});
          if (h[name]) this.removeEventListener(name, h[name].l);
          h[name] = null;
          if (typeof f !== "function") return;
          const self = this;
          h[name] = { f: f, l: function (e) { return f.call(self, e); } };
          this.addEventListener(name, h[name].l);
        },
      });
    }
  }

  const INTERNAL = Symbol("calling-shim");
  function illegal(token) { if (token !== INTERNAL) throw new TypeError("Illegal constructor"); }

  // ---- MediaStreamTrack ----

  const trackState = new WeakMap();
  const tracksById = new Map();

  class MediaStreamTrack extends EventTarget {
    constructor(token, info) {
      illegal(token);
      super();
      trackState.set(this, { id: String(info.id), kind: String(info.kind || "audio"), label: String(info.label || ""), enabled: true, readyState: "live" });
      tracksById.set(String(info.id), this);
    }
    get id() { return trackState.get(this).id; }
    get kind() { return trackState.get(this).kind; }
    get label() { return trackState.get(this).label; }
    get muted() { return false; }
    get readyState() { return trackState.get(this).readyState; }
    get contentHint() { return ""; }
    get enabled() { return trackState.get(this).enabled; }
    set enabled(v) {
      const st = trackState.get(this);
      v = !!v;
      if (st.enabled === v) return;
      st.enabled = v;
      if (st.readyState === "live") request("track.setEnabled", { track: st.id, enabled: v }).catch(report("track.setEnabled"));
    }
    stop() {
      const st = trackState.get(this);
      if (st.readyState === "ended") return;
      st.readyState = "ended"; // stop() fires no "ended" (the page asked for it)
      request("track.stop", { track: st.id }).catch(report("track.stop"));
    }
    clone() { throw domError("NotSupportedError", "cloning a track is not supported"); }
    getSettings() { return { deviceId: "", groupId: "" }; }
    getConstraints() { return {}; }
    getCapabilities() { return {}; }
    applyConstraints() { return Promise.resolve(); }
  }
  handlers(MediaStreamTrack.prototype, ["ended", "mute", "unmute"]);

  // trackFor is the page's object for an engine track; engineStream is the engine's stream
  // it came with (what element.play names when a page-made stream carries the track).
  function trackFor(info, engineStream) {
    const t = tracksById.get(String(info.id)) || new MediaStreamTrack(INTERNAL, info);
    const st = trackState.get(t);
    if (!st.engineStream && engineStream) st.engineStream = String(engineStream);
    return t;
  }

  function report(what) {
    return function (err) { console.warn("calling: " + what + " failed:", err && err.message); };
  }

  // ---- MediaStream ----

  const streamState = new WeakMap();
  const streamsById = new Map(); // streams the engine made, by its id
  const localStreams = new Set(); // ids of the engine's microphone streams

  class MediaStream extends EventTarget {
    constructor(init) {
      super();
      const st = { id: newUUID(), tracks: [], elements: new Set() };
      streamState.set(this, st);
      const from = init instanceof MediaStream ? init.getTracks() : Array.isArray(init) ? init : [];
      for (const t of from) {
        if (!trackState.has(t)) throw new TypeError("not a MediaStreamTrack of this page");
        if (st.tracks.indexOf(t) < 0) st.tracks.push(t);
      }
    }
    get id() { return streamState.get(this).id; }
    get active() { return streamState.get(this).tracks.some(function (t) { return t.readyState === "live"; }); }
    getTracks() { return streamState.get(this).tracks.slice(); }
    getAudioTracks() { return this.getTracks().filter(function (t) { return t.kind === "audio"; }); }
    getVideoTracks() { return this.getTracks().filter(function (t) { return t.kind === "video"; }); }
    getTrackById(id) { return this.getTracks().find(function (t) { return t.id === id; }) || null; }
    addTrack(track) {
      if (!trackState.has(track)) throw new TypeError("not a MediaStreamTrack of this page");
      const st = streamState.get(this);
      if (st.tracks.indexOf(track) >= 0) return;
      st.tracks.push(track);
      replay(st);
    }
    removeTrack(track) {
      const st = streamState.get(this);
      const i = st.tracks.indexOf(track);
      if (i < 0) return;
      st.tracks.splice(i, 1);
      replay(st);
    }
    clone() { return new MediaStream(this); }
  }
  handlers(MediaStream.prototype, ["addtrack", "removetrack"]);

  // engineStream is the page's object for a stream the engine made (getUserMedia, track events).
  function engineStream(id) {
    id = String(id);
    let s = streamsById.get(id);
    if (!s) {
      s = new MediaStream();
      streamState.get(s).id = id;
      streamsById.set(id, s);
    }
    return s;
  }

  // ---- RTCSessionDescription, RTCIceCandidate ----

  class RTCSessionDescription {
    constructor(init) {
      init = init || {};
      this.type = init.type;
      this.sdp = init.sdp || "";
    }
    toJSON() { return { type: this.type, sdp: this.sdp }; }
  }

  class RTCIceCandidate {
    constructor(init) {
      init = init || {};
      this.candidate = init.candidate || "";
      this.sdpMid = init.sdpMid === undefined ? null : init.sdpMid;
      this.sdpMLineIndex = init.sdpMLineIndex === undefined ? null : init.sdpMLineIndex;
      this.usernameFragment = init.usernameFragment === undefined ? null : init.usernameFragment;
    }
    toJSON() { return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment }; }
  }

  // ---- RTCRtpSender, RTCDTMFSender, RTCRtpReceiver ----

  const senderState = new WeakMap();
  const dtmfState = new WeakMap();
  const receiverState = new WeakMap();
  const DTMF_TONES = /^[0-9A-D#*,]*$/;

  function audioCapabilities(kind) {
    if (kind !== "audio") return null;
    return {
      codecs: [
        { mimeType: "audio/opus", clockRate: 48000, channels: 2, sdpFmtpLine: "minptime=10;useinbandfec=1" },
        { mimeType: "audio/PCMU", clockRate: 8000, channels: 1 },
        { mimeType: "audio/PCMA", clockRate: 8000, channels: 1 },
        { mimeType: "audio/telephone-event", clockRate: 8000, channels: 1 },
      ],
      headerExtensions: [],
    };
  }

  class RTCDTMFSender extends EventTarget {
    constructor(token, sender) {
      illegal(token);
      super();
      dtmfState.set(this, { sender: sender, toneBuffer: "" });
    }
    get toneBuffer() { return dtmfState.get(this).toneBuffer; }
    // As in browsers: a live track, and the last negotiation (the engine's dtmf in the
    // results of setLocalDescription/setRemoteDescription) has telephone-event for the
    // sender and the sender's current direction sends. False before any negotiation.
    get canInsertDTMF() {
      const s = senderState.get(dtmfState.get(this).sender);
      return s.canDTMF && !!s.track && s.track.readyState === "live" && !pcState.get(s.pc).closed;
    }
    insertDTMF(tones, duration, interToneGap) {
      if (!this.canInsertDTMF) throw domError("InvalidStateError", "this sender cannot send DTMF now");
      tones = String(tones).toUpperCase();
      if (!DTMF_TONES.test(tones)) throw domError("InvalidCharacterError", "DTMF tones are 0-9, A-D, #, * and ,");
      duration = Math.min(6000, Math.max(40, duration === undefined ? 100 : Number(duration) || 100));
      interToneGap = Math.max(30, interToneGap === undefined ? 70 : Number(interToneGap) || 70);
      const ds = dtmfState.get(this);
      const self = this;
      const sender = ds.sender;
      const ss = senderState.get(sender);
      ds.toneBuffer = tones;
      if (tones === "") return;
      enqueue(pcState.get(ss.pc), function () {
        return ss.ready.then(function () {
          return request("pc.insertDTMF", { pc: pcState.get(ss.pc).id, sender: ss.id, tones: tones, duration: duration, gap: interToneGap });
        });
      }).then(function () {
        // the engine answers once the tones are out on the wire
        if (ds.toneBuffer === tones) {
          ds.toneBuffer = "";
          fire(self, "tonechange", { tone: "" });
        }
      }, report("insertDTMF"));
    }
  }
  handlers(RTCDTMFSender.prototype, ["tonechange"]);

  class RTCRtpSender {
    constructor(token, pc, track) {
      illegal(token);
      let markReady;
      const st = { pc: pc, track: track, id: null, removed: false, dtmf: null, canDTMF: false, ready: new Promise(function (r) { markReady = r; }) };
      st.markReady = markReady;
      senderState.set(this, st);
      st.dtmf = new RTCDTMFSender(INTERNAL, this);
    }
    get track() { return senderState.get(this).track; }
    get dtmf() { return senderState.get(this).dtmf; }
    get transport() { return null; }
    getParameters() { return { transactionId: "", encodings: [{ active: true }], codecs: [], headerExtensions: [], rtcp: {} }; }
    setParameters() { return Promise.resolve(); }
    getStats() { return senderState.get(this).pc.getStats(); }
    replaceTrack(track) {
      const st = senderState.get(this);
      const ps = pcState.get(st.pc);
      if (track !== null && !trackState.has(track)) return Promise.reject(new TypeError("not a MediaStreamTrack of this page"));
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      return enqueue(ps, function () {
        return st.ready.then(function () {
          return request("pc.replaceTrack", { pc: ps.id, sender: st.id, track: track ? track.id : null });
        });
      }).then(function () { st.track = track; });
    }
    static getCapabilities(kind) { return audioCapabilities(kind); }
  }

  class RTCRtpReceiver {
    constructor(token, pc, id, track) {
      illegal(token);
      receiverState.set(this, { pc: pc, id: id, track: track });
    }
    get track() { return receiverState.get(this).track; }
    get transport() { return null; }
    getParameters() { return { codecs: [], headerExtensions: [], rtcp: {} }; }
    getStats() { return receiverState.get(this).pc.getStats(); }
    getSynchronizationSources() { return []; }
    getContributingSources() { return []; }
    static getCapabilities(kind) { return audioCapabilities(kind); }
  }

  // ---- RTCPeerConnection ----

  const pcState = new WeakMap();
  const pcsById = new Map();

  // enqueue runs op after every earlier operation of the same peer connection: the engine
  // handles requests concurrently, the page expects them in order (the standard's queue).
  function enqueue(ps, op) {
    const run = ps.chain.then(op);
    ps.chain = run.catch(function () {});
    return run;
  }

  function plain(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

  const SIGNALING_AFTER = {
    local: { offer: "have-local-offer", answer: "stable", pranswer: "have-local-pranswer", rollback: "stable" },
    remote: { offer: "have-remote-offer", answer: "stable", pranswer: "have-remote-pranswer", rollback: "stable" },
  };

  class RTCPeerConnection extends EventTarget {
    constructor(config) {
      super();
      const ps = {
        id: localId("pc"), config: plain(config || {}) || {},
        signalingState: "stable", iceGatheringState: "new", iceConnectionState: "new", connectionState: "new",
        pendingLocal: null, currentLocal: null, pendingRemote: null, currentRemote: null,
        senders: [], receivers: [], closed: false, iceRestart: false, chain: Promise.resolve(),
      };
      pcState.set(this, ps);
      pcsById.set(ps.id, this);
      enqueue(ps, function () { return request("pc.create", { pc: ps.id, config: ps.config }); }).catch(report("RTCPeerConnection"));
    }
    get signalingState() { return pcState.get(this).signalingState; }
    get iceGatheringState() { return pcState.get(this).iceGatheringState; }
    get iceConnectionState() { return pcState.get(this).iceConnectionState; }
    get connectionState() { return pcState.get(this).connectionState; }
    get localDescription() { const ps = pcState.get(this); return ps.pendingLocal || ps.currentLocal; }
    get remoteDescription() { const ps = pcState.get(this); return ps.pendingRemote || ps.currentRemote; }
    get currentLocalDescription() { return pcState.get(this).currentLocal; }
    get pendingLocalDescription() { return pcState.get(this).pendingLocal; }
    get currentRemoteDescription() { return pcState.get(this).currentRemote; }
    get pendingRemoteDescription() { return pcState.get(this).pendingRemote; }
    get canTrickleIceCandidates() { return null; }
    getConfiguration() { return plain(pcState.get(this).config); }
    setConfiguration(config) { pcState.get(this).config = plain(config || {}); }

    getSenders() { return pcState.get(this).senders.slice(); }
    getReceivers() { return pcState.get(this).receivers.slice(); }
    getTransceivers() { return []; }

    addTrack(track) {
      const ps = pcState.get(this);
      if (ps.closed) throw domError("InvalidStateError", "the peer connection is closed");
      if (!trackState.has(track)) throw new TypeError("not a MediaStreamTrack of this page");
      if (ps.senders.some(function (s) { return senderState.get(s).track === track; })) {
        throw domError("InvalidAccessError", "this track already has a sender");
      }
      const streams = Array.prototype.slice.call(arguments, 1).map(function (s) { return streamState.get(s).id; });
      const sender = new RTCRtpSender(INTERNAL, this, track);
      const ss = senderState.get(sender);
      ps.senders.push(sender);
      enqueue(ps, function () {
        return request("pc.addTrack", { pc: ps.id, track: track.id, streams: streams }).then(function (r) {
          ss.id = String(r.sender);
          ss.markReady();
        });
      }).catch(report("addTrack"));
      negotiationNeeded(this);
      return sender;
    }

    removeTrack(sender) {
      const ps = pcState.get(this);
      if (ps.closed) throw domError("InvalidStateError", "the peer connection is closed");
      const ss = senderState.get(sender);
      if (!ss || ss.pc !== this) throw domError("InvalidAccessError", "not a sender of this peer connection");
      if (!ss.track) return;
      ss.track = null; // the sender stays in getSenders() with no track, as in browsers
      enqueue(ps, function () {
        return ss.ready.then(function () { return request("pc.removeTrack", { pc: ps.id, sender: ss.id }); });
      }).catch(report("removeTrack"));
      negotiationNeeded(this);
    }

    createOffer(options) {
      const ps = pcState.get(this);
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      const iceRestart = !!(options && options.iceRestart) || ps.iceRestart;
      ps.iceRestart = false;
      return enqueue(ps, function () {
        return request("pc.createOffer", iceRestart ? { pc: ps.id, iceRestart: true } : { pc: ps.id });
      }).then(description);
    }

    createAnswer() {
      const ps = pcState.get(this);
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      return enqueue(ps, function () { return request("pc.createAnswer", { pc: ps.id }); }).then(description);
    }

    setLocalDescription(desc) {
      const ps = pcState.get(this);
      const self = this;
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      let made;
      if (desc && desc.type === "rollback") {
        made = Promise.resolve({ type: "rollback", sdp: "" });
      } else if (!desc || !desc.sdp) { // implicit: make the offer or answer the state calls for
        const answering = ps.signalingState === "have-remote-offer" || ps.signalingState === "have-local-pranswer";
        made = answering ? this.createAnswer() : this.createOffer();
      } else {
        made = Promise.resolve({ type: desc.type, sdp: desc.sdp });
      }
      return made.then(function (d) {
        return enqueue(ps, function () { return request("pc.setLocalDescription", { pc: ps.id, type: d.type, sdp: d.sdp }); })
          .then(function (wire) {
            noteDTMF(ps, wire);
            applyDescription(self, ps, "local", new RTCSessionDescription({ type: wire.type || d.type, sdp: wire.sdp || d.sdp }));
          });
      });
    }

    setRemoteDescription(desc) {
      const ps = pcState.get(this);
      const self = this;
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      if (!desc || !desc.type) return Promise.reject(new TypeError("a description needs a type"));
      const d = new RTCSessionDescription({ type: desc.type, sdp: desc.sdp });
      return enqueue(ps, function () { return request("pc.setRemoteDescription", { pc: ps.id, type: d.type, sdp: d.sdp }); })
        .then(function (r) {
          noteDTMF(ps, r);
          applyDescription(self, ps, "remote", d);
        });
    }

    addIceCandidate(candidate) {
      // The engine's descriptions are complete (non-trickle); only end-of-candidates is accepted.
      if (!candidate || !candidate.candidate) return Promise.resolve();
      return Promise.reject(domError("OperationError", "trickle ICE is not supported: descriptions carry their candidates"));
    }

    restartIce() { pcState.get(this).iceRestart = true; negotiationNeeded(this); }

    getStats() {
      const ps = pcState.get(this);
      if (ps.closed) return Promise.reject(domError("InvalidStateError", "the peer connection is closed"));
      return enqueue(ps, function () { return request("pc.getStats", { pc: ps.id }); }).then(function (r) {
        const m = new Map(); // RTCStatsReport is maplike: forEach, get, has, keys, values, entries, size
        const now = Date.now();
        for (const rep of r.reports || []) {
          if (rep.timestamp === undefined) rep.timestamp = now;
          m.set(String(rep.id), rep);
        }
        return m;
      });
    }

    close() {
      const ps = pcState.get(this);
      if (ps.closed) return;
      ps.closed = true;
      ps.signalingState = "closed";
      ps.iceConnectionState = "closed";
      ps.connectionState = "closed";
      for (const r of ps.receivers) trackState.get(receiverState.get(r).track).readyState = "ended";
      enqueue(ps, function () { return request("pc.close", { pc: ps.id }); })
        .catch(report("close"))
        .then(function () { pcsById.delete(ps.id); });
    }

    static generateCertificate() { return Promise.reject(domError("NotSupportedError", "certificates are the engine's")); }
  }
  handlers(RTCPeerConnection.prototype, ["track", "icecandidate", "icecandidateerror", "icegatheringstatechange",
    "iceconnectionstatechange", "connectionstatechange", "signalingstatechange", "negotiationneeded", "datachannel"]);

  function negotiationNeeded(pc) {
    const ps = pcState.get(pc);
    Promise.resolve().then(function () {
      if (!ps.closed && ps.signalingState === "stable") fire(pc, "negotiationneeded", {});
    });
  }

  function description(r) { return { type: r.type, sdp: r.sdp }; }

  // noteDTMF takes the engine's word on which senders can send DTMF (CONTRACTS.md §4:
  // dtmf, by sender id, in the results of setLocalDescription and setRemoteDescription).
  function noteDTMF(ps, result) {
    if (!result || !result.dtmf) return;
    for (const sender of ps.senders) {
      const ss = senderState.get(sender);
      if (ss.id !== null) ss.canDTMF = result.dtmf[ss.id] === true;
    }
  }

  // applyDescription moves the signaling state as the standard does once a description is set.
  function applyDescription(pc, ps, side, d) {
    if (ps.closed) return;
    const other = side === "local" ? "Remote" : "Local";
    const mine = side === "local" ? "Local" : "Remote";
    if (d.type === "offer") {
      ps["pending" + mine] = d;
      ps["pending" + other] = null; // an offer over a pending one rolled that back (glare)
    } else if (d.type === "answer") {
      ps["current" + mine] = d;
      ps["current" + other] = ps["pending" + other] || ps["current" + other];
      ps["pending" + mine] = null;
      ps["pending" + other] = null;
    } else if (d.type === "pranswer") {
      ps["pending" + mine] = d;
    } else if (d.type === "rollback") {
      ps["pending" + mine] = null;
    }
    setState(pc, ps, "signalingState", SIGNALING_AFTER[side][d.type]);
  }

  function setState(pc, ps, field, value) {
    if (!value || ps[field] === value) return;
    ps[field] = value;
    fire(pc, field.toLowerCase().replace(/state$/, "statechange"), {});
  }

  // ---- events from the engine ----

  function pcOf(m) {
    const pc = pcsById.get(String(m.pc));
    return pc && !pcState.get(pc).closed ? pc : null;
  }

  const events = {
    "pc.track": function (m) {
      const pc = pcOf(m);
      if (!pc || !m.track) return;
      const ps = pcState.get(pc);
      const track = trackFor(m.track, (m.streams || [])[0]);
      let receiver = ps.receivers.find(function (r) { return receiverState.get(r).id === String(m.receiver); });
      if (!receiver) {
        receiver = new RTCRtpReceiver(INTERNAL, pc, String(m.receiver), track);
        ps.receivers.push(receiver);
      }
      let streams = (m.streams || []).map(function (id) {
        const s = engineStream(id);
        s.addTrack(track);
        return s;
      });
      // a remote description without a=msid: one default stream, as libwebrtc makes
      if (streams.length === 0) streams = [new MediaStream([track])];
      fire(pc, "track", { receiver: receiver, track: track, streams: streams, transceiver: null });
    },
    "pc.icecandidate": function (m) {
      const pc = pcOf(m);
      if (!pc) return;
      const ps = pcState.get(pc);
      if (!m.candidate) {
        // the end of gathering: the state reads "complete" before the null candidate
        // (sip.js only trusts a null candidate when iceGatheringState says so)
        setState(pc, ps, "iceGatheringState", "complete");
        fire(pc, "icecandidate", { candidate: null });
        return;
      }
      fire(pc, "icecandidate", { candidate: new RTCIceCandidate(m.candidate) });
    },
    "pc.state": function (m) {
      const pc = pcOf(m);
      if (!pc) return;
      const ps = pcState.get(pc);
      // signalingState moves with the descriptions the page sets (applyDescription), so a
      // late engine event cannot move it backwards.
      setState(pc, ps, "iceGatheringState", m.iceGatheringState);
      setState(pc, ps, "iceConnectionState", m.iceConnectionState);
      setState(pc, ps, "connectionState", m.connectionState);
    },
    "media.devicechange": function () {
      if (mediaDevices) mediaDevices.dispatchEvent(new Event("devicechange"));
    },
    "track.ended": function (m) {
      const t = tracksById.get(String(m.track));
      if (!t) return;
      const st = trackState.get(t);
      if (st.readyState === "ended") return;
      st.readyState = "ended";
      t.dispatchEvent(new Event("ended"));
    },
    "engine.unavailable": function (m) {
      unavailable = String(m.reason || "the call engine failed");
      for (const p of pending.values()) p.reject(domError("NotReadableError", "calling is unavailable: " + unavailable));
      pending.clear();
    },
  };

  // ---- navigator.mediaDevices ----

  function deviceInfo(d) {
    const info = { deviceId: String(d.deviceId || ""), kind: String(d.kind || ""), label: String(d.label || ""), groupId: String(d.groupId || "") };
    return Object.freeze(Object.assign({ toJSON: function () { return { deviceId: info.deviceId, kind: info.kind, label: info.label, groupId: info.groupId }; } }, info));
  }

  function getUserMedia(constraints) {
    if (!constraints || typeof constraints !== "object" || (!constraints.audio && !constraints.video)) {
      return Promise.reject(new TypeError("getUserMedia needs audio or video"));
    }
    if (constraints.video) return Promise.reject(domError("NotFoundError", "no camera: calls here are audio only"));
    return request("media.getUserMedia", { audio: plain(constraints.audio) }).then(function (r) {
      localStreams.add(String(r.stream));
      const stream = engineStream(r.stream);
      stream.addTrack(trackFor(r.track, r.stream));
      return stream;
    });
  }

  function enumerateDevices() {
    return request("media.enumerateDevices", {}).then(function (r) { return (r.devices || []).map(deviceInfo); });
  }

  let mediaDevices = navigator.mediaDevices;
  if (!mediaDevices) {
    mediaDevices = new EventTarget();
    Object.defineProperty(navigator, "mediaDevices", { configurable: true, enumerable: true, get: function () { return mediaDevices; } });
  }
  for (const [name, fn] of [["getUserMedia", getUserMedia], ["enumerateDevices", enumerateDevices]]) {
    Object.defineProperty(mediaDevices, name, { configurable: true, writable: true, value: fn });
  }
  // on the object itself: its prototype may be EventTarget.prototype (a view without media)
  if (!("ondevicechange" in mediaDevices)) handlers(mediaDevices, ["devicechange"]);

  // ---- HTMLMediaElement: elements whose srcObject is a shim stream play through the engine ----

  const elementState = new WeakMap(); // element -> {id, stream, paused, sinkId}
  const ownsStream = function (v) { return v !== null && typeof v === "object" && streamState.has(v); };

  function elementOf(el) {
    let st = elementState.get(el);
    if (!st) elementState.set(el, st = { id: localId("el"), stream: null, paused: true, sinkId: "" });
    return st;
  }

  // engineStreamOf names a stream as the engine knows it: its own id for a stream the engine
  // made, else the engine stream of a track in it (ringcentral-web-phone 0.8.14 plays a
  // `new MediaStream()` of the receivers' tracks), remote tracks first.
  function engineStreamOf(streamObj) {
    const stream = streamState.get(streamObj);
    if (streamsById.get(stream.id) === streamObj) return stream.id;
    const named = stream.tracks.map(function (t) { return trackState.get(t).engineStream; }).filter(Boolean);
    const remote = named.filter(function (id) { return !localStreams.has(id); });
    return remote[0] || named[0] || stream.id;
  }

  function playRequest(el, st) {
    const stream = streamState.get(st.stream);
    // a stream without tracks plays nothing, as in browsers (ringcentral-web-phone 0.8.14
    // previews the senders' tracks, which may be none); adding one later plays it
    if (stream.tracks.length === 0) return Promise.resolve();
    const params = {
      element: st.id, stream: engineStreamOf(st.stream), tracks: stream.tracks.map(function (t) { return t.id; }),
      volume: el.volume, muted: el.muted,
    };
    if (st.sinkId) params.sinkId = st.sinkId;
    return request("element.play", params);
  }

  // replay tells the engine again what a playing element plays (tracks, volume, mute changed).
  function replay(streamSt) {
    for (const el of streamSt.elements) {
      const st = elementState.get(el);
      if (st && st.stream && !st.paused) playRequest(el, st).catch(report("play"));
    }
  }

  const MediaProto = window.HTMLMediaElement && window.HTMLMediaElement.prototype;
  if (MediaProto) {
    const native = {};
    for (const name of ["srcObject", "volume", "muted", "paused", "sinkId"]) {
      native[name] = Object.getOwnPropertyDescriptor(MediaProto, name);
    }
    const nativePlay = MediaProto.play, nativePause = MediaProto.pause, nativeSetSinkId = MediaProto.setSinkId;

    function shimmed(el) { const st = elementState.get(el); return st && st.stream ? st : null; }

    Object.defineProperty(MediaProto, "srcObject", {
      configurable: true, enumerable: true,
      get: function () {
        const st = shimmed(this);
        if (st) return st.stream;
        return native.srcObject ? native.srcObject.get.call(this) : null;
      },
      set: function (v) {
        const st = elementOf(this);
        if (st.stream) {
          streamState.get(st.stream).elements.delete(this);
          if (!st.paused) request("element.pause", { element: st.id }).catch(report("pause"));
          st.stream = null;
          st.paused = true;
        }
        if (ownsStream(v)) {
          // WebKit's own setter throws for a JS object: the native element keeps nothing
          if (native.srcObject) native.srcObject.set.call(this, null);
          st.stream = v;
          streamState.get(v).elements.add(this);
          if (this.autoplay) this.play().catch(report("autoplay"));
          return;
        }
        if (native.srcObject) native.srcObject.set.call(this, v);
      },
    });

    Object.defineProperty(MediaProto, "paused", {
      configurable: true, enumerable: true,
      get: function () {
        const st = shimmed(this);
        if (st) return st.paused;
        return native.paused ? native.paused.get.call(this) : true;
      },
    });

    MediaProto.play = function () {
      const st = shimmed(this);
      if (!st) return nativePlay.apply(this, arguments);
      const wasPaused = st.paused;
      st.paused = false;
      if (wasPaused) this.dispatchEvent(new Event("play"));
      const el = this;
      return playRequest(this, st).then(function () {
        if (!st.paused) el.dispatchEvent(new Event("playing"));
      }, function (err) {
        st.paused = true;
        report("play")(err);
        throw err;
      });
    };

    MediaProto.pause = function () {
      const st = shimmed(this);
      if (!st) return nativePause.apply(this, arguments);
      if (st.paused) return;
      st.paused = true;
      request("element.pause", { element: st.id }).catch(report("pause"));
      this.dispatchEvent(new Event("pause"));
    };

    // setSinkId is recorded on every element (the widget may pick the output before a call
    // is attached) and applied by the engine to elements that play a shim stream.
    Object.defineProperty(MediaProto, "sinkId", {
      configurable: true, enumerable: true,
      get: function () {
        const st = elementState.get(this);
        if (st && (st.stream || !native.sinkId)) return st.sinkId;
        return native.sinkId ? native.sinkId.get.call(this) : "";
      },
    });
    MediaProto.setSinkId = function (sinkId) {
      sinkId = String(sinkId === undefined ? "" : sinkId);
      const st = elementOf(this);
      if (!st.stream && nativeSetSinkId) return nativeSetSinkId.call(this, sinkId);
      st.sinkId = sinkId;
      if (!st.stream || st.paused) return Promise.resolve();
      return request("element.setSinkId", { element: st.id, sinkId: sinkId }).then(function () {});
    };

    // volume and muted keep WebKit's own checks and volumechange event; a playing shim
    // element tells the engine.
    for (const name of ["volume", "muted"]) {
      const d = native[name];
      if (!d) continue;
      Object.defineProperty(MediaProto, name, {
        configurable: true, enumerable: true,
        get: d.get,
        set: function (v) {
          d.set.call(this, v);
          const st = shimmed(this);
          if (st && !st.paused) playRequest(this, st).catch(report(name));
        },
      });
    }
  }

  // ---- the page sees the shim as its browser's own ----

  const globals = {
    RTCPeerConnection: RTCPeerConnection, RTCSessionDescription: RTCSessionDescription, RTCIceCandidate: RTCIceCandidate,
    RTCRtpSender: RTCRtpSender, RTCRtpReceiver: RTCRtpReceiver, RTCDTMFSender: RTCDTMFSender,
    MediaStream: MediaStream, MediaStreamTrack: MediaStreamTrack,
  };
  for (const name in globals) {
    Object.defineProperty(window, name, { configurable: true, writable: true, enumerable: false, value: globals[name] });
  }
})();
