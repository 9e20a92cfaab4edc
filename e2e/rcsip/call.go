package rcsip

import (
	"context"
	"errors"
	"fmt"
	"html"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Call states, as the far end sees them.
const (
	Ringing  = "ringing"  // the far end rang the client and it sent 180, or the client's INVITE is ringing here
	Answered = "answered" // 200 OK sent or received
	Ended    = "ended"    // BYE, CANCEL or a final refusal
)

// Call is one call with its own pion peer on the far end.
type Call struct {
	s    *Server
	conn *sipConn
	// ID is the SIP Call-ID.
	ID string
	// FromClient is true for a call the client placed (the far end answers it).
	FromClient bool
	// Target is the number the client dialled (the Request-URI's user) for FromClient calls.
	Target string

	invite        *message   // the INVITE that opened the call (the client's, or ours)
	local, remote string     // our and the client's From/To values, tags included
	remoteTarget  string     // the client's Contact URI
	cseq          int        // our last CSeq
	answered      int        // the CSeq of the last INVITE of ours the client answered
	reinvited     chan error // the far end's re-INVITE waiting for its answer
	outInvite     *message   // the far end's last INVITE (its Via names the transaction)
	clientInvite  bool       // a re-INVITE of the client's waits for its ACK
	pc            *webrtc.PeerConnection
	out           *sender
	ufrag         string // the client's ICE ufrag

	// under s.mu
	state       string
	held        bool
	iceRestarts int
	digits      string
	endedBy     string
	detectors   []*detector
}

// State is the call's state: Ringing, Answered or Ended.
func (c *Call) State() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.state
}

// EndedBy says who hung up: "client" or "far end" (empty while the call lasts).
func (c *Call) EndedBy() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.endedBy
}

// WaitState waits for the call to reach state.
func (c *Call) WaitState(ctx context.Context, state string) error {
	return c.s.waitFor(ctx, "call state "+state, func() bool { return c.state == state })
}

// WaitHeld waits until the client's last description holds the call (sendonly/inactive),
// or, with held false, no longer does.
func (c *Call) WaitHeld(ctx context.Context, held bool) error {
	return c.s.waitFor(ctx, fmt.Sprintf("held=%v", held), func() bool { return c.held == held && c.state == Answered })
}

// WaitDigits waits until the DTMF digits decoded from the client are want.
func (c *Call) WaitDigits(ctx context.Context, want string) error {
	return c.s.waitFor(ctx, "DTMF "+want, func() bool { return c.digits == want })
}

// Digits is every DTMF digit decoded from the client so far.
func (c *Call) Digits() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.digits
}

// WaitICERestarts waits until the client has restarted ICE n times (a new ice-ufrag in a re-INVITE).
func (c *Call) WaitICERestarts(ctx context.Context, n int) error {
	return c.s.waitFor(ctx, "an ICE restart", func() bool { return c.iceRestarts >= n })
}

// WaitTone waits until the client's audio carries a tone of hz for 200 ms in a row.
func (c *Call) WaitTone(ctx context.Context, hz float64) error { return c.wait(ctx, hz) }

// WaitSilence waits until the client's audio is silent for 200 ms in a row (packets that
// carry silence: a muted microphone).
func (c *Call) WaitSilence(ctx context.Context) error { return c.wait(ctx, 0) }

func (c *Call) wait(ctx context.Context, hz float64) error {
	d := &detector{hz: hz, need: 10, done: make(chan struct{})}
	c.s.mu.Lock()
	c.detectors = append(c.detectors, d)
	c.s.mu.Unlock()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("rcsip: waiting for audio (tone %v Hz, 0 = silence): %w", hz, ctx.Err())
	}
}

// SendTone makes the far end send a tone of hz (0: silence).
func (c *Call) SendTone(hz float64) { c.out.setTone(hz) }

// PauseMedia stops (true) or resumes the far end's RTP, as a broken path would.
func (c *Call) PauseMedia(p bool) { c.out.setPaused(p) }

// Hangup sends BYE.
func (c *Call) Hangup() error {
	c.s.mu.Lock()
	if c.state == Ended {
		c.s.mu.Unlock()
		return nil
	}
	c.cseq++
	bye := c.request("BYE", c.cseq)
	c.s.mu.Unlock()
	c.end("far end")
	return c.conn.send(bye)
}

// Hold puts the client on hold from the far end (a re-INVITE offering sendonly) or, with
// held false, takes it off (sendrecv); it returns once the client answered. A client busy
// with its own renegotiation answers 491 or 500: the re-INVITE is sent again after the
// pause RFC 3261 §14.1 gives a UAC that does not own the Call-ID (up to 2 s).
func (c *Call) Hold(ctx context.Context, held bool) error {
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	sdp, err := c.describe(ctx, offer)
	if err != nil {
		return err
	}
	if held {
		sdp = directionRe.ReplaceAllString(sdp, "a=sendonly\r\n")
	}
	for attempt := 0; ; attempt++ {
		err := c.reinviteOnce(ctx, sdp)
		var refused *refusedError
		if !errors.As(err, &refused) || (refused.status != 491 && refused.status != 500) || attempt == 5 {
			if refused != nil {
				err = errors.Join(err, c.abandonOffer())
			}
			return err
		}
		t := time.NewTimer(time.Duration(mrand.Int64N(int64(2 * time.Second))))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// abandonOffer returns the peer to the call as it was after the client refused our
// re-INVITE. pion v4 accepts no rollback (SetLocalDescription(rollback) always fails), so
// the pending offer is completed with the client's current description as its answer: the
// media stay as they were negotiated last.
func (c *Call) abandonOffer() error {
	cur := c.pc.CurrentRemoteDescription()
	if cur == nil {
		return errors.New("rcsip: no negotiated description to return to")
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: cur.SDP}); err != nil {
		return fmt.Errorf("rcsip: returning to the call as it was: %w", err)
	}
	return nil
}

// refusedError is a final non-2xx answer to the far end's re-INVITE.
type refusedError struct {
	status int
	reason string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("rcsip: the client refused the re-INVITE: %d %s", e.status, e.reason)
}

// reinviteOnce sends one re-INVITE with sdp and waits for its final answer.
func (c *Call) reinviteOnce(ctx context.Context, sdp string) error {
	// one INVITE transaction at a time in a dialog (RFC 3261 §14.1)
	if err := c.s.waitFor(ctx, "the client's re-INVITE to end", func() bool { return !c.clientInvite }); err != nil {
		return err
	}
	done := make(chan error, 1)
	c.s.mu.Lock()
	c.cseq++
	inv := c.request("INVITE", c.cseq)
	inv.add("Contact", "<sip:farend@"+c.s.host()+";transport=ws>")
	inv.add("Content-Type", "application/sdp")
	inv.body = sdp
	c.reinvited, c.outInvite = done, inv
	c.s.mu.Unlock()
	if err := c.conn.send(inv); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("rcsip: the client did not answer the re-INVITE: %w", ctx.Err())
	}
}

// request makes an in-dialog request from the far end; callers hold s.mu.
func (c *Call) request(method string, cseq int) *message {
	m := &message{method: method, uri: c.remoteTarget}
	m.add("Via", "SIP/2.0/WSS "+c.s.host()+";branch=z9hG4bK"+randomHex(8))
	m.add("Max-Forwards", "70")
	m.add("From", c.local)
	m.add("To", c.remote)
	m.add("Call-Id", c.ID)
	m.add("CSeq", fmt.Sprintf("%d %s", cseq, method))
	return m
}

func (c *Call) end(by string) {
	c.s.mu.Lock()
	if c.state != Ended {
		c.state, c.endedBy = Ended, by
		c.s.notify()
	}
	c.s.mu.Unlock()
	c.closeMedia()
}

func (c *Call) closeMedia() {
	if c.out != nil {
		select {
		case <-c.out.stop:
		default:
			close(c.out.stop)
		}
	}
	if c.pc != nil {
		c.pc.Close() //nolint:errcheck // closing
	}
}

// Ring calls the registered client from the far end: an INVITE with a complete SDP offer.
// from is the caller's number, name its display name.
func (s *Server) Ring(ctx context.Context, from, name string) (*Call, error) {
	conn, contact, err := s.registration()
	if err != nil {
		return nil, err
	}
	c := &Call{s: s, conn: conn, ID: randomHex(12), remoteTarget: contact, cseq: 1}
	if err := c.newPeer(); err != nil {
		return nil, err
	}
	mime := webrtc.MimeTypeOpus
	if s.cfg.G711Only {
		mime = webrtc.MimeTypePCMU
	}
	if err := c.addSender(mime); err != nil {
		return nil, err
	}
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	sdp, err := c.describe(ctx, offer)
	if err != nil {
		return nil, err
	}
	c.local = fmt.Sprintf(`"%s" <sip:%s@%s>;tag=%s`, name, from, s.Info.Domain, randomHex(6))
	c.remote = fmt.Sprintf("<sip:%s@%s>", s.Info.Username, s.Info.Domain)
	s.mu.Lock()
	inv := c.request("INVITE", c.cseq)
	inv.add("Contact", "<sip:farend@"+s.host()+";transport=ws>")
	// The platform's call-control header: the web phone confirms the call with a SIP MESSAGE
	// to its From (receiveConfirm), and sends ignore / to-voicemail / forward the same way;
	// without it the widget logs "no RC headers available" for every incoming call.
	inv.add("P-Rc", fmt.Sprintf(`<Msg><Hdr SID="%d" Req="{%s}" From="farend@%s" To="%s" Cmd="6"/><Bdy Phn="%s" Nm="%s" ToPhn="%s"/></Msg>`,
		time.Now().UnixNano()%1e11, randomHex(16), html.EscapeString(s.Info.Domain), html.EscapeString(s.Info.Username),
		html.EscapeString(from), html.EscapeString(name), html.EscapeString(s.Info.Username)))
	inv.add("Content-Type", "application/sdp")
	inv.body = sdp
	c.invite, c.outInvite = inv, inv
	s.calls[c.ID] = c
	s.mu.Unlock()
	return c, conn.send(inv)
}

// response handles the client's answer to the far end's INVITE, re-INVITE or BYE.
func (c *Call) response(m *message) {
	_, method := m.cseq()
	if method != "INVITE" {
		return
	}
	switch {
	case m.status == 180 || m.status == 183:
		c.s.mu.Lock()
		if c.state == "" {
			c.state = Ringing
			c.s.notify()
		}
		c.s.mu.Unlock()
	case m.status >= 200 && m.status < 300:
		num, _ := m.cseq()
		c.s.mu.Lock()
		c.remote = m.get("To")
		if ct := uriOf(m.get("Contact")); ct != "" {
			c.remoteTarget = ct
		}
		ack := c.request("ACK", num)
		fresh := num > c.answered // not a retransmission of a 200 already taken
		if fresh {
			c.answered = num
		}
		done := c.reinvited
		c.reinvited = nil
		c.s.mu.Unlock()
		if !fresh {
			c.conn.send(ack) //nolint:errcheck
			return
		}
		err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ensureMid(m.body)})
		c.conn.send(ack) //nolint:errcheck
		if done != nil {
			done <- err
			return
		}
		if err != nil {
			c.end("far end: " + err.Error())
			return
		}
		c.noteOffer(m.body)
		c.s.mu.Lock()
		c.state = Answered
		c.s.notify()
		c.s.mu.Unlock()
	case m.status >= 300:
		num, _ := m.cseq()
		c.s.mu.Lock()
		ack := c.request("ACK", num)
		ack.headers[0][1] = c.outInvite.get("Via") // the same transaction as the INVITE
		ack.set("To", m.get("To"))
		done := c.reinvited
		c.reinvited = nil
		c.s.mu.Unlock()
		c.conn.send(ack) //nolint:errcheck
		if done != nil { // a refused re-INVITE leaves the call as it was
			done <- &refusedError{m.status, m.reason}
			return
		}
		c.end("client")
	}
}

// invite handles an INVITE from the client: a new call (Digest-challenged first, as the
// platform does and ringcentral-web-phone 2.x expects), or a re-INVITE (hold, ICE restart).
func (s *Server) invite(conn *sipConn, m *message) {
	s.mu.Lock()
	c := s.calls[m.get("Call-ID")]
	s.mu.Unlock()
	if c != nil {
		c.reinvite(m)
		return
	}
	if !s.authorized(m, "Proxy-Authorization") {
		s.challenge(conn, m, 407, "Proxy Authentication Required", "Proxy-Authenticate")
		return
	}
	conn.send(response(m, 100, "Trying", "")) //nolint:errcheck
	c = &Call{s: s, conn: conn, ID: m.get("Call-ID"), FromClient: true, invite: m, Target: userOf(m.uri)}
	tag := randomHex(6)
	c.local = m.get("To") + ";tag=" + tag
	c.remote = m.get("From")
	c.remoteTarget = uriOf(m.get("Contact"))
	fail := func(err error) {
		conn.send(response(m, 488, "Not Acceptable Here", tag)) //nolint:errcheck
		c.closeMedia()
	}
	if err := c.newPeer(); err != nil {
		fail(err)
		return
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ensureMid(m.body)}); err != nil {
		fail(err)
		return
	}
	mime := firstCodec(m.body, s.cfg.G711Only)
	if mime == "" {
		fail(errors.New("no common codec"))
		return
	}
	if err := c.addSender(mime); err != nil {
		fail(err)
		return
	}
	c.noteOffer(m.body)
	s.mu.Lock()
	c.state = Ringing
	s.calls[c.ID] = c
	s.incoming = append(s.incoming, c)
	s.notify()
	s.mu.Unlock()
	conn.send(response(m, 180, "Ringing", tag)) //nolint:errcheck
}

// Answer answers a call the client placed: 200 OK with the far end's complete SDP answer.
func (c *Call) Answer(ctx context.Context) error {
	sdp, err := c.answer(ctx, c.invite.body)
	if err != nil {
		return err
	}
	r := response(c.invite, 200, "OK", tagOf(c.local))
	r.add("Contact", "<sip:farend@"+c.s.host()+";transport=ws>")
	r.add("Content-Type", "application/sdp")
	r.body = sdp
	c.s.mu.Lock()
	c.state = Answered
	c.s.notify()
	c.s.mu.Unlock()
	return c.conn.send(r)
}

// reinvite answers a re-INVITE from the client: hold, unhold or an ICE restart.
func (c *Call) reinvite(m *message) {
	c.s.mu.Lock()
	glare := c.reinvited != nil
	if !glare {
		c.clientInvite = true
	}
	c.s.mu.Unlock()
	if glare {
		c.conn.send(response(m, 491, "Request Pending", "")) //nolint:errcheck
		return
	}
	c.conn.send(response(m, 100, "Trying", "")) //nolint:errcheck
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ensureMid(m.body)}); err != nil {
		c.conn.send(response(m, 488, "Not Acceptable Here", "")) //nolint:errcheck
		return
	}
	sdp, err := c.answer(context.Background(), m.body)
	if err != nil {
		c.conn.send(response(m, 500, "Server Internal Error", "")) //nolint:errcheck
		return
	}
	c.noteOffer(m.body)
	r := response(m, 200, "OK", "")
	r.add("Contact", "<sip:farend@"+c.s.host()+";transport=ws>")
	r.add("Content-Type", "application/sdp")
	r.body = sdp
	c.conn.send(r) //nolint:errcheck
}

// answer makes the far end's answer to offer; pion answers a held (sendonly) offer with
// sendrecv, so the wire copy gets the direction RFC 3264 asks for.
func (c *Call) answer(ctx context.Context, offer string) (string, error) {
	a, err := c.pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	sdp, err := c.describe(ctx, a)
	if err != nil {
		return "", err
	}
	want := map[string]string{"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive", "sendrecv": "sendrecv"}[direction(offer)]
	return directionRe.ReplaceAllString(sdp, "a="+want+"\r\n"), nil
}

// noteOffer records what the client's description says: hold, and ICE restarts.
func (c *Call) noteOffer(sdp string) {
	held := direction(sdp) == "sendonly" || direction(sdp) == "inactive"
	ufrag := ""
	if m := ufragRe.FindStringSubmatch(sdp); m != nil {
		ufrag = m[1]
	}
	c.out.setPaused(held) // a held far end sends nothing
	c.s.mu.Lock()
	if c.ufrag != "" && ufrag != "" && ufrag != c.ufrag {
		c.iceRestarts++
	}
	if ufrag != "" {
		c.ufrag = ufrag
	}
	c.held = held
	c.s.notify()
	c.s.mu.Unlock()
}

func (c *Call) byeOrCancel(m *message) {
	c.conn.send(response(m, 200, "OK", "")) //nolint:errcheck
	if m.method == "CANCEL" {
		c.conn.send(response(c.invite, 487, "Request Terminated", tagOf(c.local))) //nolint:errcheck
	}
	c.end("client")
}

// describe sets d as the local description and returns its complete SDP (ICE gathered:
// the far end, like the platform, does not trickle).
func (c *Call) describe(ctx context.Context, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	sdp := c.pc.LocalDescription().SDP
	if c.s.cfg.NoMid {
		sdp = midRe.ReplaceAllString(sdp, "")
	}
	return sdp, nil
}

var (
	directionRe = regexp.MustCompile(`a=(sendrecv|sendonly|recvonly|inactive)\r\n`)
	ufragRe     = regexp.MustCompile(`a=ice-ufrag:(\S+)`)
	midRe       = regexp.MustCompile(`a=(mid|group:BUNDLE)[^\r\n]*\r\n`)
	mLineRe     = regexp.MustCompile(`(?m)^m=audio \d+ \S+ ([\d ]+)\r?$`)
	rtpmapRe    = regexp.MustCompile(`(?m)^a=rtpmap:(\d+) ([^/\r\n]+)`)
)

// direction is the audio section's direction attribute (sendrecv when absent).
func direction(sdp string) string {
	if m := directionRe.FindStringSubmatch(sdp); m != nil {
		return m[1]
	}
	return "sendrecv"
}

// ensureMid adds a=mid:N to each media section that has none (pion refuses SDP without it).
func ensureMid(sdp string) string {
	if strings.Contains(sdp, "\r\na=mid:") {
		return sdp
	}
	parts := strings.Split(sdp, "\r\nm=")
	for i := 1; i < len(parts); i++ {
		line, rest, _ := strings.Cut(parts[i], "\r\n")
		parts[i] = line + fmt.Sprintf("\r\na=mid:%d\r\n", i-1) + rest
	}
	return strings.Join(parts, "\r\nm=")
}

// firstCodec is the offer's first audio codec the far end speaks, as a MIME type.
func firstCodec(sdp string, g711Only bool) string {
	m := mLineRe.FindStringSubmatch(sdp)
	if m == nil {
		return ""
	}
	names := map[string]string{"0": "PCMU", "8": "PCMA"}
	for _, r := range rtpmapRe.FindAllStringSubmatch(sdp, -1) {
		names[r[1]] = r[2]
	}
	for _, pt := range strings.Fields(m[1]) {
		switch strings.ToLower(names[pt]) {
		case "opus":
			if !g711Only {
				return webrtc.MimeTypeOpus
			}
		case "pcmu":
			return webrtc.MimeTypePCMU
		case "pcma":
			return webrtc.MimeTypePCMA
		}
	}
	return ""
}

// newPeer makes the call's pion peer.
func (c *Call) newPeer() error {
	pc, err := newFarPeer(c.s.cfg)
	if err != nil {
		return err
	}
	c.pc = pc
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) { c.receive(t, r) })
	return nil
}

// newPeerConnection makes a pion peer: this machine's IPv4 UDP addresses (loopback
// included: a webview may offer nothing else), no mDNS, Opus (unless g711Only), PCMU, PCMA
// and telephone-event.
func newPeerConnection(g711Only bool) (*webrtc.PeerConnection, error) {
	return newFarPeer(Config{G711Only: g711Only})
}

// newFarPeer is newPeerConnection with the codecs cfg asks for: no Opus with G711Only, no
// telephone-event with NoTelephoneEvent.
func newFarPeer(cfg Config) (*webrtc.PeerConnection, error) {
	me := &webrtc.MediaEngine{}
	type codecDef struct {
		mime     string
		rate     uint32
		channels uint16
		fmtp     string
		pt       webrtc.PayloadType
	}
	defs := []codecDef{
		{webrtc.MimeTypeOpus, 48000, 2, "minptime=10;useinbandfec=1", 111},
		{webrtc.MimeTypePCMU, 8000, 0, "", 0},
		{webrtc.MimeTypePCMA, 8000, 0, "", 8},
		{"audio/telephone-event", 48000, 0, "0-16", 110}, // at Opus's clock, as browsers offer it
		{"audio/telephone-event", 8000, 0, "0-16", 101},
	}
	if cfg.G711Only {
		defs = append(defs[1:3:3], defs[4])
	}
	if cfg.NoTelephoneEvent {
		kept := defs[:0]
		for _, d := range defs {
			if d.mime != "audio/telephone-event" {
				kept = append(kept, d)
			}
		}
		defs = kept
	}
	for _, d := range defs {
		err := me.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: d.mime, ClockRate: d.rate, Channels: d.channels, SDPFmtpLine: d.fmtp},
			PayloadType:        d.pt,
		}, webrtc.RTPCodecTypeAudio)
		if err != nil {
			return nil, err
		}
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)).
		NewPeerConnection(webrtc.Configuration{})
}

// addSender adds the far end's audio track in mime and starts sending silence.
func (c *Call) addSender(mime string) error {
	cd, err := newCodec(mime)
	if err != nil {
		return err
	}
	capab := webrtc.RTPCodecCapability{MimeType: mime, ClockRate: uint32(cd.rate)}
	if mime == webrtc.MimeTypeOpus {
		capab.Channels = 2
	}
	track, err := webrtc.NewTrackLocalStaticSample(capab, "audio", "farend")
	if err != nil {
		return err
	}
	rtpSender, err := c.pc.AddTrack(track)
	if err != nil {
		return err
	}
	go func() { // RTCP must be read for the interceptors to run
		for {
			if _, _, err := rtpSender.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	c.out = &sender{track: track, codec: cd, stop: make(chan struct{})}
	go c.out.run()
	return nil
}

// receive decodes the client's audio for the detectors and RFC 4733 events into digits.
func (c *Call) receive(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	mimes := map[uint8]string{}
	for _, p := range r.GetParameters().Codecs {
		mimes[uint8(p.PayloadType)] = p.MimeType
	}
	decoders := map[string]*codec{}
	var lastEvent uint32
	seenEvent := false
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		mime := mimes[pkt.PayloadType]
		if mime == "" {
			for _, p := range r.GetParameters().Codecs {
				mimes[uint8(p.PayloadType)] = p.MimeType
			}
			mime = mimes[pkt.PayloadType]
		}
		if strings.EqualFold(mime, "audio/telephone-event") {
			// one digit per event: its end packets (sent three times) share a timestamp
			if len(pkt.Payload) >= 4 && pkt.Payload[1]&0x80 != 0 && (!seenEvent || pkt.Timestamp != lastEvent) {
				seenEvent, lastEvent = true, pkt.Timestamp
				if d, ok := dtmfDigit(pkt.Payload[0]); ok {
					c.s.mu.Lock()
					c.digits += string(d)
					c.s.notify()
					c.s.mu.Unlock()
				}
			}
			continue
		}
		dec := decoders[mime]
		if dec == nil {
			if dec, err = newCodec(mime); err != nil {
				continue
			}
			decoders[mime] = dec
		}
		c.feed(dec, pkt)
	}
}

func (c *Call) feed(dec *codec, pkt *rtp.Packet) {
	pcm, err := dec.decode(pkt.Payload)
	if err != nil || len(pcm) == 0 {
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	kept := c.detectors[:0]
	for _, d := range c.detectors {
		if d.feed(pcm, dec.rate) {
			close(d.done)
			continue
		}
		kept = append(kept, d)
	}
	c.detectors = kept
}
