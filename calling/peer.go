package calling

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// gatherLimit bounds the wait for ICE candidates (offers and answers are complete, not
// trickled); an unreachable STUN server must not hold a call up. Host candidates come at once.
const gatherLimit = 2 * time.Second

// maxPeers bounds the peer connections of one page (each holds sockets and goroutines); a
// softphone needs a few.
const maxPeers = 16

// peer is one RTCPeerConnection of the page.
type peer struct {
	e    *Engine
	id   string
	page uint64
	pc   *webrtc.PeerConnection

	mu        sync.Mutex
	senders   map[string]*sender
	remotes   map[*webrtc.RTPTransceiver]*remoteTrack
	localDir  map[string]string // mid -> direction in the local SDP as on the wire
	stableDir map[string]string // localDir before the page's pending offer: what a rollback restores
	remoteDir map[string]string // mid -> direction in the remote SDP
	offer     string            // our latest offer, as the engine made it (before the page's edits)
	offerMids []string          // mids of our last offer, for an answer without a=mid
	remoteOff string            // the last remote offer, to correct our answer against
	signaling string            // as the page sees it (the engine sets its own earlier)
	closed    bool
}

func (e *Engine) createPeer(page uint64, r *request) (any, error) {
	if r.PC == "" {
		return nil, &domError{"TypeError", "pc id missing"}
	}
	cfg := webrtc.Configuration{}
	for _, s := range r.Config.ICEServers {
		var urls []string
		var one string
		if json.Unmarshal(s.URLs, &one) == nil {
			urls = []string{one}
		} else if json.Unmarshal(s.URLs, &urls) != nil {
			return nil, &domError{"TypeError", "iceServers urls must be a string or a list"}
		}
		cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
	}
	if r.Config.ICETransportPolicy == "relay" {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	e.mu.Lock()
	_, exists := e.peers[r.PC]
	n := len(e.peers)
	e.mu.Unlock()
	if exists {
		return nil, &domError{"InvalidStateError", "pc id in use"}
	}
	if n >= maxPeers {
		return nil, &domError{"QuotaExceededError", "too many peer connections"}
	}
	pc, err := e.api.NewPeerConnection(cfg)
	if err != nil {
		return nil, &domError{"InvalidAccessError", err.Error()}
	}
	p := &peer{e: e, id: r.PC, page: page, pc: pc, senders: map[string]*sender{},
		remotes: map[*webrtc.RTPTransceiver]*remoteTrack{}, localDir: map[string]string{},
		stableDir: map[string]string{}, remoteDir: map[string]string{}, signaling: "stable"}
	state := func() { p.emitState() }
	pc.OnICEConnectionStateChange(func(webrtc.ICEConnectionState) { state() })
	pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) { state() })
	pc.OnICEGatheringStateChange(func(webrtc.ICEGatheringState) { state() })
	pc.OnTrack(p.onTrack)
	e.mu.Lock()
	if !e.currentLocked(page) {
		e.mu.Unlock()
		pc.Close()
		return nil, &domError{"InvalidStateError", "page gone"}
	}
	e.peers[r.PC] = p
	e.mu.Unlock()
	return nil, nil
}

// current is e.current for callers that hold e.mu.
func (e *Engine) currentLocked(page uint64) bool { return e.page == page && !e.closed }

func (e *Engine) peer(id string) (*peer, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.peers[id]; p != nil {
		return p, nil
	}
	return nil, &domError{"InvalidStateError", "no such peer connection"}
}

func (p *peer) dispatch(r *request) (any, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed && r.Op != "pc.close" && r.Op != "pc.getStats" {
		return nil, &domError{"InvalidStateError", "the peer connection is closed"}
	}
	switch r.Op {
	case "pc.addTrack":
		return p.addTrack(r)
	case "pc.removeTrack":
		return p.removeTrack(r)
	case "pc.replaceTrack":
		return p.replaceTrack(r)
	case "pc.createOffer":
		return p.createOffer(r)
	case "pc.createAnswer":
		return p.createAnswer()
	case "pc.setLocalDescription":
		return p.setLocal(r)
	case "pc.setRemoteDescription":
		return p.setRemote(r)
	case "pc.getStats":
		return p.stats()
	case "pc.insertDTMF":
		return p.insertDTMF(r)
	case "pc.close":
		p.close()
		p.e.mu.Lock()
		if p.e.peers[p.id] == p {
			delete(p.e.peers, p.id)
		}
		p.e.mu.Unlock()
		p.e.kickCaptures()
		return nil, nil
	}
	return nil, &domError{"NotSupportedError", fmt.Sprintf("unknown op %q", r.Op)}
}

func (p *peer) addTrack(r *request) (any, error) {
	t, err := p.e.localTrack(r.track())
	if err != nil {
		return nil, err
	}
	stream := t.stream
	if len(r.Streams) > 0 && r.Streams[0] != "" {
		stream = r.Streams[0]
	}
	s := newSender(p, p.e.newID("snd-"), t, stream)
	rs, err := p.pc.AddTrack(s)
	if err != nil {
		return nil, &domError{"InvalidAccessError", err.Error()}
	}
	s.rtp = rs
	go s.readRTCP()
	p.mu.Lock()
	p.senders[s.id] = s
	p.mu.Unlock()
	return map[string]any{"sender": s.id}, nil
}

func (p *peer) sender(id string) (*sender, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.senders[id]; s != nil {
		return s, nil
	}
	return nil, &domError{"InvalidAccessError", "no such sender"}
}

func (p *peer) removeTrack(r *request) (any, error) {
	s, err := p.sender(r.Sender)
	if err != nil {
		return nil, err
	}
	s.setTrack(nil)
	if err := p.pc.RemoveTrack(s.rtp); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
		return nil, &domError{"InvalidStateError", err.Error()}
	}
	p.e.kickCaptures()
	return nil, nil
}

func (p *peer) replaceTrack(r *request) (any, error) {
	s, err := p.sender(r.Sender)
	if err != nil {
		return nil, err
	}
	var t *localTrack
	if r.track() != "" {
		if t, err = p.e.localTrack(r.track()); err != nil {
			return nil, err
		}
	}
	s.setTrack(t)
	p.e.kickCaptures()
	return nil, nil
}

// gather sets d as the engine's own local description and waits for the ICE candidates.
func (p *peer) gather(d webrtc.SessionDescription) (string, error) {
	done := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		return "", &domError{"InvalidStateError", err.Error()}
	}
	select {
	case <-done:
	case <-time.After(gatherLimit):
	}
	return p.pc.LocalDescription().SDP, nil
}

func (p *peer) createOffer(r *request) (any, error) {
	if p.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		return p.reoffer(r.ICERestart)
	}
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: r.ICERestart})
	if err != nil {
		return nil, &domError{"InvalidStateError", err.Error()}
	}
	sdp, err := p.gather(offer)
	if err != nil {
		return nil, err
	}
	return p.offered(sdp), nil
}

// offered keeps sdp as the engine's own copy of its latest offer and returns it to the page.
func (p *peer) offered(sdp string) map[string]any {
	p.mu.Lock()
	p.offer = sdp
	p.offerMids = midsOf(sdp)
	p.mu.Unlock()
	return map[string]any{"type": "offer", "sdp": sdp}
}

// reoffer makes an offer while the engine's last one is pending, as browsers allow: sip.js
// re-INVITEs with a fresh offer while ringcentral-web-phone's reconnectMedia has set its
// ICE restart offer. The engine set that one in pion already (pion gathers only then), and
// pion cannot roll a pending offer back (v4.2: no have-local-offer->SetLocal(rollback)). So
// the new offer stays the engine's own copy, on the wire, and pion keeps the pending one:
// they may differ only where pion does not read its local description again, the ICE
// credentials and candidates (held by pion's ICE agent, restarted by CreateOffer) and the
// origin's version. Other changes (tracks added or removed meanwhile) are refused.
func (p *peer) reoffer(restart bool) (any, error) {
	pending := p.pc.PendingLocalDescription()
	if pending == nil {
		return nil, &domError{"InvalidStateError", "no pending offer"}
	}
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return nil, &domError{"InvalidStateError", err.Error()}
	}
	if mediaShape(offer.SDP) != mediaShape(pending.SDP) {
		return nil, &domError{"InvalidStateError", "the media changed while an offer is pending: answer it first"}
	}
	select { // a restart gathers anew; the offer is complete (non-trickle)
	case <-webrtc.GatheringCompletePromise(p.pc):
	case <-time.After(gatherLimit):
	}
	if restart {
		if offer, err = p.pc.CreateOffer(nil); err != nil {
			return nil, &domError{"InvalidStateError", err.Error()}
		}
	}
	return p.offered(offer.SDP), nil
}

func (p *peer) createAnswer() (any, error) {
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return nil, &domError{"InvalidStateError", err.Error()}
	}
	sdp, err := p.gather(answer)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	offer := p.remoteOff
	p.mu.Unlock()
	// pion answers a renegotiated sendonly offer with sendrecv: never answer wider than
	// the offer allows.
	return map[string]any{"type": "answer", "sdp": fitAnswer(sdp, offer)}, nil
}

// setLocal takes the page's copy of our description. pion refuses a munged one (sip.js
// turns sendrecv into sendonly for hold), so the engine keeps its own and takes only the
// directions from the page's copy: to what goes on the wire, and to what the engine sends.
func (p *peer) setLocal(r *request) (any, error) {
	if r.Type == "rollback" {
		return p.rollbackLocal(r)
	}
	own, err := p.ownLocal(r.Type)
	if err != nil {
		return nil, err
	}
	wire := own
	if r.SDP != "" {
		wire = withDirections(own, directionsOf(r.SDP))
	}
	p.mu.Lock()
	if r.Type == "offer" && p.signaling == "stable" {
		p.stableDir = p.localDir
	}
	p.localDir = directionsOf(wire)
	if r.Type == "offer" {
		p.signaling = "have-local-offer"
	} else {
		p.signaling = "stable"
	}
	p.mu.Unlock()
	p.updateSending()
	if r.Type != "offer" {
		p.negotiated(wire)
	}
	cands := candidatesOf(wire)
	r.after = func() {
		// Non-trickle: the candidates are in the description; the page still hears them
		// one by one, then the end of candidates, as from a browser.
		for _, c := range cands {
			p.e.event(p.page, "pc.icecandidate", map[string]any{"pc": p.id, "candidate": c})
		}
		p.e.event(p.page, "pc.icecandidate", map[string]any{"pc": p.id, "candidate": nil})
		p.emitState()
	}
	return map[string]any{"type": r.Type, "sdp": wire, "dtmf": p.dtmf()}, nil
}

// rollbackLocal undoes the page's pending offer (setLocalDescription({type: "rollback"})):
// the call goes on as negotiated before it.
func (p *peer) rollbackLocal(r *request) (any, error) {
	p.mu.Lock()
	sig := p.signaling
	p.mu.Unlock()
	if sig != "have-local-offer" {
		return nil, &domError{"InvalidStateError", "no local offer to roll back"}
	}
	if err := p.rollbackPion(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.localDir = p.stableDir
	p.signaling = "stable"
	p.mu.Unlock()
	p.updateSending()
	r.after = p.emitState
	return map[string]any{"type": "rollback", "sdp": "", "dtmf": p.dtmf()}, nil
}

// rollbackPion takes pion from have-local-offer back to stable, as negotiated before the
// offer. pion cannot roll back (v4.2: a rollback description is refused in
// have-local-offer), so the engine completes the offer with an answer that changes
// nothing: the far end's current description, its directions narrowed to the offer (the
// offer pion holds is its own, the page's edits are only on the wire).
//
// An ICE restart offer cannot be rolled back: pion restarted its ICE agent when it made
// it (new credentials, new sockets), and a far end that did not restart keeps sending to
// the old sockets (it takes new credentials in an answer without restarting, and keeps
// its selected pair). That is refused, as browsers refuse what they cannot do; the page's
// offer stays pending and can still be answered.
func (p *peer) rollbackPion() error {
	if p.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return nil
	}
	cur, pending := p.pc.CurrentRemoteDescription(), p.pc.PendingLocalDescription()
	if cur == nil || pending == nil {
		return &domError{"InvalidStateError", "the first offer cannot be rolled back"}
	}
	if restarted(p.pc.CurrentLocalDescription(), pending) {
		return &domError{"InvalidStateError", "an ICE restart offer is pending and cannot be rolled back: answer it first"}
	}
	if len(midsOf(cur.SDP)) != len(midsOf(pending.SDP)) {
		return &domError{"InvalidStateError", "the pending offer changes the media: it cannot be rolled back"}
	}
	answer := webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: fitAnswer(cur.SDP, pending.SDP)}
	if err := p.pc.SetRemoteDescription(answer); err != nil {
		return &domError{"InvalidStateError", "rolling the pending offer back: " + err.Error()}
	}
	return nil
}

// restarted reports whether offer has other ICE credentials than the current description.
func restarted(current, offer *webrtc.SessionDescription) bool {
	return current != nil && offer != nil && iceUfrag(current.SDP) != iceUfrag(offer.SDP)
}

// negotiated notes, once an answer completes a negotiation, which senders can send DTMF
// (RTCDTMFSender.canInsertDTMF): telephone-event is in the answer's section of the
// sender's transceiver, and its current direction sends.
func (p *peer) negotiated(answer string) {
	te := telephoneEventMids(answer)
	p.mu.Lock()
	for _, s := range p.senders {
		mid := p.midOf(s)
		s.dtmf.Store(mid != "" && te[mid] && sends(p.localDir[mid]) && receives(p.remoteDir[mid]))
	}
	p.mu.Unlock()
}

// dtmf is canInsertDTMF of each sender, by id, as the last negotiation left it.
func (p *peer) dtmf() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]bool{}
	for id, s := range p.senders {
		out[id] = s.dtmf.Load()
	}
	return out
}

// midOf is the mid of s's transceiver ("" before one is negotiated); callers hold p.mu.
func (p *peer) midOf(s *sender) string {
	for _, t := range p.pc.GetTransceivers() {
		if t.Sender() == s.rtp {
			return t.Mid()
		}
	}
	return ""
}

// ownLocal is the engine's own copy of the description the page sets: its latest offer,
// which pion holds as pending (or an equivalent, see reoffer), or pion's answer.
func (p *peer) ownLocal(typ string) (string, error) {
	own := p.pc.LocalDescription()
	if own == nil || own.Type.String() != typ {
		return "", &domError{"InvalidStateError", "setLocalDescription without createOffer or createAnswer"}
	}
	if typ != "offer" {
		return own.SDP, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.offer, nil
}

func (p *peer) setRemote(r *request) (any, error) {
	var typ webrtc.SDPType
	switch r.Type {
	case "offer":
		typ = webrtc.SDPTypeOffer
	case "answer":
		typ = webrtc.SDPTypeAnswer
	case "pranswer":
		typ = webrtc.SDPTypePranswer
	default:
		return nil, &domError{"NotSupportedError", fmt.Sprintf("description type %q", r.Type)}
	}
	p.mu.Lock()
	var mids []string
	if typ != webrtc.SDPTypeOffer {
		mids = p.offerMids
	}
	p.mu.Unlock()
	// pion refuses a description without a=mid (some gateways send none): add it, as
	// sip.js does for Firefox; an answer's mids are those of our offer.
	sdp := withMids(r.SDP, mids)
	if typ == webrtc.SDPTypeOffer {
		// An offer while ours is pending (glare: both sides re-INVITE; or an offer made
		// and not set): browsers roll ours back implicitly, and so does the engine.
		if err := p.rollbackPion(); err != nil {
			return nil, err
		}
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: sdp}); err != nil {
		return nil, &domError{"InvalidAccessError", err.Error()}
	}
	p.mu.Lock()
	p.remoteDir = directionsOf(sdp)
	if typ == webrtc.SDPTypeOffer {
		if p.signaling == "have-local-offer" {
			p.localDir = p.stableDir
		}
		p.remoteOff = sdp
		p.signaling = "have-remote-offer"
	} else {
		p.signaling = "stable"
	}
	p.mu.Unlock()
	p.updateSending()
	if typ != webrtc.SDPTypeOffer {
		p.negotiated(sdp)
	}
	// Browsers fire track events before setRemoteDescription resolves: so does the shim,
	// from these events sent ahead of the answer.
	for _, rt := range p.newRemoteTracks() {
		p.emitTrack(rt)
	}
	r.after = p.emitState
	return map[string]any{"dtmf": p.dtmf()}, nil
}

// newRemoteTracks makes a remote track for each audio transceiver the far end sends on
// and that has none yet.
func (p *peer) newRemoteTracks() []*remoteTrack {
	var made []*remoteTrack
	p.mu.Lock()
	for _, t := range p.pc.GetTransceivers() {
		if t.Kind() != webrtc.RTPCodecTypeAudio || p.remotes[t] != nil || !sends(p.remoteDir[t.Mid()]) {
			continue
		}
		rt := p.e.newRemoteTrack(p)
		p.remotes[t] = rt
		made = append(made, rt)
	}
	p.mu.Unlock()
	return made
}

func (p *peer) emitTrack(rt *remoteTrack) {
	p.e.event(p.page, "pc.track", map[string]any{"pc": p.id, "receiver": rt.receiver,
		"track": trackInfo{rt.id, "audio", "remote audio"}, "streams": []string{rt.stream}})
}

// onTrack: pion has the far end's first packet; its remote track starts to read.
func (p *peer) onTrack(tr *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	if tr.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	var rt *remoteTrack
	fresh := false
	p.mu.Lock()
	for _, t := range p.pc.GetTransceivers() {
		if t.Receiver() == recv {
			if rt = p.remotes[t]; rt == nil {
				rt = p.e.newRemoteTrack(p)
				p.remotes[t] = rt
				fresh = true
			}
		}
	}
	p.mu.Unlock()
	if rt == nil {
		return
	}
	if fresh {
		p.emitTrack(rt)
	}
	rt.run(tr, recv)
}

// updateSending lets each sender send only where both descriptions allow it: the page's
// sendonly or inactive (hold) and the far end's recvonly or inactive stop it.
func (p *peer) updateSending() {
	p.mu.Lock()
	for _, s := range p.senders {
		mid := p.midOf(s)
		s.allowed.Store(mid != "" && sends(p.localDir[mid]) && receives(p.remoteDir[mid]))
	}
	p.mu.Unlock()
	p.e.kickCaptures()
}

// sendingSenders are the senders that send the microphone now.
func (p *peer) sendingSenders() []*sender {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	var out []*sender
	for _, s := range p.senders {
		if s.sending() {
			out = append(out, s)
		}
	}
	return out
}

func (p *peer) state() map[string]any {
	p.mu.Lock()
	sig := p.signaling
	if p.closed {
		sig = "closed"
	}
	p.mu.Unlock()
	return map[string]any{"pc": p.id, "signalingState": sig,
		"iceGatheringState":  p.pc.ICEGatheringState().String(),
		"iceConnectionState": p.pc.ICEConnectionState().String(),
		"connectionState":    p.pc.ConnectionState().String()}
}

func (p *peer) emitState() { p.e.event(p.page, "pc.state", p.state()) }

func (p *peer) stats() (any, error) {
	reports := []any{}
	p.mu.Lock()
	byMid := map[string]*remoteTrack{}
	for t, rt := range p.remotes {
		byMid[t.Mid()] = rt
	}
	p.mu.Unlock()
	for _, s := range p.pc.GetStats() {
		if in, ok := s.(webrtc.InboundRTPStreamStats); ok && byMid[in.Mid] != nil {
			byMid[in.Mid].addJitterStats(&in)
			s = in
		}
		reports = append(reports, s)
	}
	now := float64(time.Now().UnixMilli())
	p.mu.Lock()
	for _, s := range p.senders {
		if o := s.outboundStats(now); o != nil {
			reports = append(reports, o)
		}
	}
	p.mu.Unlock()
	return map[string]any{"reports": reports}, nil
}

func (p *peer) insertDTMF(r *request) (any, error) {
	s, err := p.sender(r.Sender)
	if err != nil {
		return nil, err
	}
	duration, gap := 100.0, 70.0
	if r.Duration != nil {
		duration = *r.Duration
	}
	if r.Gap != nil {
		gap = *r.Gap
	}
	return nil, s.insertDTMF(strings.ToUpper(r.Tones), duration, gap)
}

// close ends the connection and its remote tracks (the page hears track.ended for each).
func (p *peer) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	var remotes []*remoteTrack
	for _, rt := range p.remotes {
		remotes = append(remotes, rt)
	}
	senders := p.senders
	p.mu.Unlock()
	for _, s := range senders {
		s.setTrack(nil)
	}
	if err := p.pc.Close(); err != nil {
		p.e.log.Warn("calling: closing a peer connection", "error", err)
	}
	for _, rt := range remotes {
		rt.end()
		p.e.event(p.page, "track.ended", map[string]any{"track": rt.id})
	}
	p.emitState()
}
