package rcsip

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCtx bounds one test's waits (they wait for conditions; this only ends a hang).
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func start(t *testing.T, cfg Config) *Server {
	s, err := Start(cfg)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func TestProvision(t *testing.T) {
	s := start(t, Config{})
	resp, err := http.Post(s.URL+"/restapi/v1.0/client-info/sip-provision", "application/json", strings.NewReader(`{"sipInfo":[{"transport":"WSS"}]}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct {
		SIPInfo       []SIPInfo `json:"sipInfo"`
		SIPErrorCodes []string  `json:"sipErrorCodes"`
		Device        struct{ ID string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got.SIPInfo, 1)
	info := got.SIPInfo[0]
	assert.Equal(t, "WS", info.Transport)
	assert.Equal(t, strings.TrimPrefix(s.URL, "http://")+"/sip", info.OutboundProxy, "ws:// + outboundProxy is the registrar")
	assert.Equal(t, s.Info, info)
	assert.NotEmpty(t, got.Device.ID)
	assert.NotNil(t, info.StunServers, "an empty list keeps the web phone off public STUN")
}

// phone is a small SIP-over-WebSocket softphone with a pion peer: the client side the far
// end is tested against.
type phone struct {
	t       *testing.T
	s       *Server
	ws      *websocket.Conn
	contact string
	in      chan *message
	raw     chan string

	pc    *webrtc.PeerConnection
	track *rawTrack
	out   *pcmOut

	mu        sync.Mutex
	detectors []*detector
}

func dial(t *testing.T, s *Server) *phone {
	d := websocket.Dialer{Subprotocols: []string{"sip"}}
	ws, resp, err := d.Dial("ws://"+s.Info.OutboundProxy, http.Header{"Origin": {s.URL}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "sip", ws.Subprotocol())
	p := &phone{t: t, s: s, ws: ws, contact: "<sip:tc" + randomHex(4) + "@client.invalid;transport=ws>", in: make(chan *message, 64), raw: make(chan string, 64)}
	t.Cleanup(func() { ws.Close() })
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				close(p.in)
				return
			}
			if strings.Trim(string(data), "\r\n") == "" {
				p.raw <- string(data)
				continue
			}
			m, err := parseMessage(string(data))
			if err != nil {
				t.Errorf("far end sent a bad message: %v\n%s", err, data)
				continue
			}
			p.in <- m
		}
	}()
	return p
}

func (p *phone) send(m *message) {
	require.NoError(p.t, p.ws.WriteMessage(websocket.TextMessage, []byte(m.String())))
}

// next waits for the next message that match accepts, dropping provisional noise it skips.
func (p *phone) next(ctx context.Context, what string, match func(*message) bool) *message {
	for {
		select {
		case m, ok := <-p.in:
			require.True(p.t, ok, "the far end closed the WebSocket while waiting for %s", what)
			if match(m) {
				return m
			}
		case <-ctx.Done():
			require.FailNow(p.t, "timed out waiting for "+what)
		}
	}
}

func status(code int) func(*message) bool {
	return func(m *message) bool { return m.status == code }
}

func method(name string) func(*message) bool {
	return func(m *message) bool { return m.method == name }
}

func (p *phone) request(method, uri, callID string, cseq int, from, to string) *message {
	m := &message{method: method, uri: uri}
	m.add("Via", "SIP/2.0/WSS client.invalid;branch=z9hG4bK"+randomHex(6))
	m.add("Max-Forwards", "70")
	m.add("From", from)
	m.add("To", to)
	m.add("Call-ID", callID)
	m.add("CSeq", fmt.Sprintf("%d %s", cseq, method))
	m.add("Contact", p.contact)
	return m
}

// register runs REGISTER, its Digest challenge and the authorized retry with password.
func (p *phone) register(ctx context.Context, password string) *message {
	aor := fmt.Sprintf("<sip:%s@%s>", p.s.Info.Username, p.s.Info.Domain)
	callID := randomHex(8)
	reg := p.request("REGISTER", "sip:"+p.s.Info.Domain, callID, 1, aor+";tag="+randomHex(4), aor)
	reg.set("Contact", p.contact+";expires=600")
	p.send(reg)
	challenge := p.next(ctx, "401", func(m *message) bool { return m.status != 100 })
	require.Equal(p.t, 401, challenge.status)
	reg.set("CSeq", "2 REGISTER")
	reg.set("Via", "SIP/2.0/WSS client.invalid;branch=z9hG4bK"+randomHex(6))
	reg.add("Authorization", p.credentials(challenge.get("WWW-Authenticate"), password, "REGISTER"))
	p.send(reg)
	return p.next(ctx, "the REGISTER's answer", func(m *message) bool { return m.status >= 200 })
}

// credentials answers a Digest challenge as both web phones do (no qop).
func (p *phone) credentials(challenge, password, method string) string {
	c := digestParams(challenge)
	require.Equal(p.t, p.s.Info.Domain, c["realm"], "the realm is the domain (ringcentral-web-phone 2.x assumes it)")
	require.Contains(p.t, challenge, `, nonce="`, "ringcentral-web-phone 2.x finds the nonce after a comma")
	cred := map[string]string{"username": p.s.Info.AuthorizationID, "realm": c["realm"], "nonce": c["nonce"], "uri": "sip:" + p.s.Info.Domain}
	return fmt.Sprintf(`Digest algorithm=MD5, username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`,
		cred["username"], cred["realm"], cred["nonce"], cred["uri"], digestResponse(cred, password, method))
}

func TestRegister(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, Config{})
	p := dial(t, s)

	require.Equal(t, 403, p.register(ctx, "wrong").status, "a wrong password is refused")
	ok := p.register(ctx, s.Info.Password)
	require.Equal(t, 200, ok.status)
	assert.Contains(t, ok.get("Contact"), p.contact, "the 200 echoes the client's Contact (sip.js ignores one without it)")
	require.NoError(t, s.Registered(ctx, 1))

	require.NoError(t, p.ws.WriteMessage(websocket.TextMessage, []byte("\r\n\r\n")))
	select {
	case pong := <-p.raw:
		assert.Equal(t, "\r\n", pong, "a CRLF keep-alive is answered with a CRLF")
	case <-ctx.Done():
		t.Fatal("no keep-alive answer")
	}

	_, resp, err := (&websocket.Dialer{}).Dial("ws://"+s.Info.OutboundProxy, nil)
	if err == nil {
		t.Fatal("a WebSocket without the sip subprotocol was kept open")
	}
	if resp != nil {
		resp.Body.Close()
	}
}

func TestRegisterWithoutChallengeNonceIsRefused(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, Config{})
	p := dial(t, s)
	aor := fmt.Sprintf("<sip:%s@%s>", s.Info.Username, s.Info.Domain)
	reg := p.request("REGISTER", "sip:"+s.Info.Domain, "x", 1, aor+";tag=1", aor)
	cred := map[string]string{"username": s.Info.AuthorizationID, "realm": s.Info.Domain, "nonce": "made-up", "uri": "sip:" + s.Info.Domain}
	reg.add("Authorization", fmt.Sprintf(`Digest username="%s", realm="%s", nonce="made-up", uri="%s", response="%s"`,
		cred["username"], cred["realm"], cred["uri"], digestResponse(cred, s.Info.Password, "REGISTER")))
	p.send(reg)
	assert.Equal(t, 403, p.next(ctx, "an answer", func(m *message) bool { return m.status >= 200 }).status)
}

// rawTrack is a local track that writes whole RTP packets with any payload type on one
// SSRC, as a browser's audio sender does for RFC 4733 events.
type rawTrack struct {
	mu     sync.Mutex
	ctx    webrtc.TrackLocalContext
	bound  bool
	codecs []webrtc.RTPCodecParameters
}

func (r *rawTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctx, r.bound, r.codecs = ctx, true, ctx.CodecParameters()
	for _, c := range r.codecs {
		if !strings.EqualFold(c.MimeType, "audio/telephone-event") {
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}
func (r *rawTrack) Unbind(webrtc.TrackLocalContext) error { return nil }
func (r *rawTrack) ID() string                            { return "audio" }
func (r *rawTrack) RID() string                           { return "" }
func (r *rawTrack) StreamID() string                      { return "client" }
func (r *rawTrack) Kind() webrtc.RTPCodecType             { return webrtc.RTPCodecTypeAudio }

// pcmOut sends a tone or silence every 20 ms, and DTMF events between frames.
type pcmOut struct {
	track *rawTrack
	mu    sync.Mutex
	hz    float64
	phase float64
	seq   uint16
	ts    uint32
	dtmf  []byte
	stop  chan struct{}
}

func (o *pcmOut) run() {
	t := time.NewTicker(frame)
	defer t.Stop()
	var enc *codec
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
		o.track.mu.Lock()
		bound, ctx, codecs := o.track.bound, o.track.ctx, o.track.codecs
		o.track.mu.Unlock()
		if !bound {
			continue
		}
		main, event := codecs[0], webrtc.RTPCodecParameters{}
		for _, c := range codecs {
			if strings.EqualFold(c.MimeType, "audio/telephone-event") {
				event = c
			}
		}
		if enc == nil || enc.mime != main.MimeType {
			var err error
			if enc, err = newCodec(main.MimeType); err != nil {
				return
			}
		}
		o.mu.Lock()
		n := enc.rate / 50
		pcm := make([]int16, n)
		if o.hz > 0 {
			for i := range pcm {
				pcm[i] = int16(8000 * math.Sin(o.phase))
				o.phase += 2 * math.Pi * o.hz / float64(enc.rate)
			}
		}
		var digit byte
		if len(o.dtmf) > 0 {
			digit, o.dtmf = o.dtmf[0], o.dtmf[1:]
		}
		o.seq++
		seq, ts := o.seq, o.ts
		o.ts += uint32(n)
		o.mu.Unlock()
		w := ctx.WriteStream()
		if digit != 0 && event.PayloadType != 0 {
			// one event: a start packet and three end packets, one timestamp (RFC 4733 §2.5)
			code := byte(strings.IndexByte("0123456789*#ABCD", digit))
			for i, end := range []bool{false, true, true, true} {
				flags := byte(10) // volume -10 dBm0
				if end {
					flags |= 0x80
				}
				h := rtp.Header{Version: 2, PayloadType: uint8(event.PayloadType), SSRC: uint32(ctx.SSRC()), SequenceNumber: seq, Timestamp: ts, Marker: i == 0}
				if _, err := w.WriteRTP(&h, []byte{code, flags, 0, 160}); err != nil {
					return
				}
				o.mu.Lock()
				o.seq++
				seq = o.seq
				o.mu.Unlock()
			}
			continue
		}
		data, err := enc.encode(pcm)
		if err != nil {
			return
		}
		h := rtp.Header{Version: 2, PayloadType: uint8(main.PayloadType), SSRC: uint32(ctx.SSRC()), SequenceNumber: seq, Timestamp: ts}
		if _, err := w.WriteRTP(&h, data); err != nil {
			return
		}
	}
}

func (p *phone) newPeer(g711Only bool) {
	pc, err := newPeerConnection(g711Only)
	require.NoError(p.t, err)
	p.pc = pc
	p.t.Cleanup(func() { pc.Close() })
	p.track = &rawTrack{}
	_, err = pc.AddTrack(p.track)
	require.NoError(p.t, err)
	p.out = &pcmOut{track: p.track, stop: make(chan struct{})}
	p.t.Cleanup(func() { close(p.out.stop) })
	go p.out.run()
	pc.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		dec, err := newCodec(tr.Codec().MimeType)
		if err != nil {
			p.t.Errorf("client: %v", err)
			return
		}
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if pkt.PayloadType != uint8(tr.Codec().PayloadType) {
				continue
			}
			pcm, err := dec.decode(pkt.Payload)
			if err != nil {
				continue
			}
			p.mu.Lock()
			kept := p.detectors[:0]
			for _, d := range p.detectors {
				if d.feed(pcm, dec.rate) {
					close(d.done)
					continue
				}
				kept = append(kept, d)
			}
			p.detectors = kept
			p.mu.Unlock()
		}
	})
}

func (p *phone) hears(ctx context.Context, hz float64) {
	d := &detector{hz: hz, need: 10, done: make(chan struct{})}
	p.mu.Lock()
	p.detectors = append(p.detectors, d)
	p.mu.Unlock()
	select {
	case <-d.done:
	case <-ctx.Done():
		require.FailNow(p.t, fmt.Sprintf("the client never heard %v Hz", hz))
	}
}

func (p *phone) say(hz float64) {
	p.out.mu.Lock()
	p.out.hz = hz
	p.out.mu.Unlock()
}

func (p *phone) dtmf(digits string) {
	p.out.mu.Lock()
	p.out.dtmf = append(p.out.dtmf, digits...)
	p.out.mu.Unlock()
}

// describe sets d locally and returns its complete SDP.
func (p *phone) describe(d webrtc.SessionDescription) string {
	gathered := webrtc.GatheringCompletePromise(p.pc)
	require.NoError(p.t, p.pc.SetLocalDescription(d))
	<-gathered
	return p.pc.LocalDescription().SDP
}

// talk checks audio both ways, then DTMF.
func talk(ctx context.Context, t *testing.T, p *phone, c *Call) {
	c.SendTone(1000)
	p.hears(ctx, 1000)
	p.say(600)
	require.NoError(t, c.WaitTone(ctx, 600))
	p.say(0)
	require.NoError(t, c.WaitSilence(ctx), "a silent client is heard as silence")
	p.dtmf("159#")
	require.NoError(t, c.WaitDigits(ctx, "159#"))
}

func TestFarEndRingsTheClient(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"opus", Config{}},
		{"G.711 only", Config{G711Only: true}},
		{"no a=mid", Config{NoMid: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			s := start(t, tt.cfg)
			p := dial(t, s)
			require.Equal(t, 200, p.register(ctx, s.Info.Password).status)

			c, err := s.Ring(ctx, "+15557654321", "Far End")
			require.NoError(t, err)
			inv := p.next(ctx, "the INVITE", method("INVITE"))
			assert.Equal(t, uriOf(p.contact), inv.uri, "the INVITE goes to the registered Contact")
			assert.Equal(t, "application/sdp", inv.get("Content-Type"))
			assert.Contains(t, inv.get("From"), "+15557654321")
			assert.Contains(t, inv.body, "a=candidate:", "the offer is complete (no trickle)")
			assert.Equal(t, !tt.cfg.NoMid, strings.Contains(inv.body, "a=mid:"))
			assert.Equal(t, !tt.cfg.G711Only, strings.Contains(inv.body, "opus/48000"))

			tag := randomHex(4)
			ringing := response(inv, 180, "Ringing", tag)
			p.send(ringing)
			require.NoError(t, c.WaitState(ctx, Ringing))

			p.newPeer(false)
			require.NoError(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ensureMid(inv.body)}))
			a, err := p.pc.CreateAnswer(nil)
			require.NoError(t, err)
			ok := response(inv, 200, "OK", tag)
			ok.add("Contact", p.contact)
			ok.add("Content-Type", "application/sdp")
			ok.body = p.describe(a)
			p.send(ok)
			ack := p.next(ctx, "the ACK", method("ACK"))
			assert.Equal(t, uriOf(p.contact), ack.uri)
			require.NoError(t, c.WaitState(ctx, Answered))

			talk(ctx, t, p, c)

			// hold: the client's re-INVITE says sendonly, the far end answers recvonly
			hold := func(held bool) {
				offer, err := p.pc.CreateOffer(nil)
				require.NoError(t, err)
				sdp := p.describe(offer)
				if held {
					sdp = strings.ReplaceAll(sdp, "a=sendrecv", "a=sendonly")
				}
				re := p.request("INVITE", ack.get("Contact"), inv.get("Call-ID"), 1, inv.get("To")+";tag="+tag, inv.get("From"))
				re.uri = "sip:farend@" + s.host()
				re.add("Content-Type", "application/sdp")
				re.body = sdp
				p.send(re)
				ans := p.next(ctx, "the re-INVITE's 200", status(200))
				ackRe := p.request("ACK", re.uri, re.get("Call-ID"), 1, re.get("From"), re.get("To"))
				p.send(ackRe)
				require.NoError(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ensureMid(ans.body)}))
				want := "a=sendrecv"
				if held {
					want = "a=recvonly"
				}
				assert.Contains(t, ans.body, want)
				require.NoError(t, c.WaitHeld(ctx, held))
			}
			hold(true)
			hold(false)

			// the far end holds the client: its re-INVITE offers sendonly
			farHold := func(held bool) {
				errc := make(chan error, 1)
				go func() { errc <- c.Hold(ctx, held) }()
				re := p.next(ctx, "the far end's re-INVITE", method("INVITE"))
				assert.Equal(t, held, strings.Contains(re.body, "a=sendonly"))
				require.NoError(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ensureMid(re.body)}))
				a, err := p.pc.CreateAnswer(nil)
				require.NoError(t, err)
				ok := response(re, 200, "OK", "")
				ok.add("Contact", p.contact)
				ok.add("Content-Type", "application/sdp")
				ok.body = p.describe(a)
				p.send(ok)
				p.next(ctx, "the re-INVITE's ACK", method("ACK"))
				require.NoError(t, <-errc)
			}
			farHold(true)
			farHold(false)

			// the client refuses the far end's re-INVITE (488): the far end is back in the
			// call as it was, and can negotiate again
			errc := make(chan error, 1)
			go func() { errc <- c.Hold(ctx, true) }()
			re := p.next(ctx, "the far end's re-INVITE", method("INVITE"))
			p.send(response(re, 488, "Not Acceptable Here", ""))
			err = <-errc
			var refused *refusedError
			require.ErrorAs(t, err, &refused)
			assert.NotContains(t, err.Error(), "returning to the call")
			assert.Equal(t, webrtc.SignalingStateStable, c.pc.SignalingState(), "the far end's offer is abandoned")
			farHold(true)
			farHold(false)
			c.SendTone(1200)
			p.hears(ctx, 1200)

			require.NoError(t, c.Hangup())
			bye := p.next(ctx, "the BYE", method("BYE"))
			assert.Equal(t, inv.get("Call-ID"), bye.get("Call-ID"))
			assert.Contains(t, bye.String(), "\r\nCall-Id: ", "spelled as ringcentral-web-phone 2.x reads it")
			assert.Equal(t, tag, tagOf(bye.get("To")), "the BYE is in the dialog")
			assert.Equal(t, "far end", c.EndedBy())
		})
	}
}

func TestClientCallsTheFarEnd(t *testing.T) {
	ctx := testCtx(t)
	s := start(t, Config{})
	p := dial(t, s)
	require.Equal(t, 200, p.register(ctx, s.Info.Password).status)

	p.newPeer(false)
	offer, err := p.pc.CreateOffer(nil)
	require.NoError(t, err)
	callID, tag := randomHex(8), randomHex(4)
	from := fmt.Sprintf("<sip:%s@%s>;tag=%s", s.Info.Username, s.Info.Domain, tag)
	to := fmt.Sprintf("<sip:+15557654321@%s>", s.Info.Domain)
	inv := p.request("INVITE", "sip:+15557654321@"+s.Info.Domain, callID, 1, from, to)
	inv.add("Content-Type", "application/sdp")
	inv.add("P-Asserted-Identity", "sip:+15550001000@"+s.Info.Domain)
	inv.body = p.describe(offer)
	p.send(inv)
	challenge := p.next(ctx, "407", func(m *message) bool { return m.status >= 200 })
	require.Equal(t, 407, challenge.status, "a new INVITE is challenged, as on the platform")
	inv.set("CSeq", "2 INVITE")
	inv.set("Via", "SIP/2.0/WSS client.invalid;branch=z9hG4bK"+randomHex(6))
	inv.add("Proxy-Authorization", p.credentials(challenge.get("Proxy-Authenticate"), s.Info.Password, "INVITE"))
	p.send(inv)
	p.next(ctx, "180 Ringing", status(180))

	c, err := s.NextCall(ctx)
	require.NoError(t, err)
	assert.True(t, c.FromClient)
	assert.Equal(t, "+15557654321", c.Target)
	assert.Equal(t, Ringing, c.State())
	require.NoError(t, c.Answer(ctx))
	ok := p.next(ctx, "200 OK", status(200))
	require.NoError(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ok.body}))
	remoteTo := ok.get("To")
	p.send(p.request("ACK", uriOf(ok.get("Contact")), callID, 2, from, remoteTo))

	talk(ctx, t, p, c)

	// an ICE restart: a re-offer with new credentials
	restart, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
	require.NoError(t, err)
	re := p.request("INVITE", uriOf(ok.get("Contact")), callID, 3, from, remoteTo)
	re.add("Content-Type", "application/sdp")
	re.body = p.describe(restart)
	p.send(re)
	ans := p.next(ctx, "the re-INVITE's 200", status(200))
	p.send(p.request("ACK", uriOf(ok.get("Contact")), callID, 3, from, remoteTo))
	require.NoError(t, p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: ans.body}))
	require.NoError(t, c.WaitICERestarts(ctx, 1))
	c.SendTone(800)
	p.hears(ctx, 800)

	p.send(p.request("BYE", uriOf(ok.get("Contact")), callID, 4, from, remoteTo))
	p.next(ctx, "the BYE's 200", status(200))
	require.NoError(t, c.WaitState(ctx, Ended))
	assert.Equal(t, "client", c.EndedBy())
}

func TestToneShare(t *testing.T) {
	tone := func(hz float64, rate int) []int16 {
		pcm := make([]int16, rate/50)
		for i := range pcm {
			pcm[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
		}
		return pcm
	}
	assert.Greater(t, toneShare(tone(1000, 48000), 48000, 1000), 0.9)
	assert.Less(t, toneShare(tone(600, 48000), 48000, 1000), 0.1)
	assert.Greater(t, toneShare(tone(600, 8000), 8000, 600), 0.9)
	assert.Zero(t, toneShare(make([]int16, 160), 8000, 600))
}
