package tray

import (
	"github.com/embeddable-tray/embeddable-tray/app/phase"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		s    State
		want string
	}{
		{"signed out", State{Phase: phase.SignedOut}, "Not signed in to Acme CRM"},
		{"signing in", State{Phase: phase.SigningIn}, "Signing in to Acme CRM…"},
		{"signed in", State{Phase: phase.SignedIn, Account: "ann@example.com"}, "Signed in to Acme CRM as ann@example.com"},
		{"signed in, no account", State{Phase: phase.SignedIn}, "Signed in to Acme CRM"},
		{"signing out", State{Phase: phase.SigningOut, Account: "ann@example.com"}, "Signing out…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, statusLine(tt.s, "Acme CRM"))
		})
	}
}

func TestSignLabel(t *testing.T) {
	tests := []struct {
		phase phase.Phase
		want  string
	}{
		{phase.SignedOut, "Sign in to Acme CRM…"},
		{phase.SigningIn, "Sign in to Acme CRM…"},
		{phase.SignedIn, "Sign out of Acme CRM"},
		{phase.SigningOut, "Sign out of Acme CRM"},
	}
	for _, tt := range tests {
		t.Run(tt.phase.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, signLabel(State{Phase: tt.phase}, "Acme CRM"))
		})
	}
}

func TestServiceName(t *testing.T) {
	tests := []struct {
		display, fallback, want string
	}{
		{"Acme CRM", "Title", "Acme CRM"},
		{"", "Title", "Title"},
		{"", "", "the service"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, serviceName(State{DisplayName: tt.display}, tt.fallback))
	}
}

func TestTooltip(t *testing.T) {
	tests := []struct {
		name string
		s    State
		want string
	}{
		{"status only", State{Phase: phase.SignedOut}, "Not signed in to Acme CRM"},
		{"with problem", State{Phase: phase.SignedOut, Problem: "sign-in failed:\n  access_denied"},
			"Not signed in to Acme CRM\nsign-in failed: access_denied"},
		{"with keyring warning", State{Phase: phase.SignedIn, Account: "a@b.c", KeyringWarning: "Sign-in will not be remembered (no keyring)"},
			"Signed in to Acme CRM as a@b.c\nSign-in will not be remembered (no keyring)"},
		{"both", State{Phase: phase.SignedOut, Problem: "p", KeyringWarning: "k"}, "Not signed in to Acme CRM\np\nk"},
		{"contacts out of date", State{Phase: phase.SignedIn, Account: "a@b.c", ContactsProblem: "Contacts could not be updated"}, "Signed in to Acme CRM as a@b.c\nContacts could not be updated"},
		{"a call first", State{Phase: phase.SignedOut, Call: "On a call: Ann (+15551230001)"},
			"On a call: Ann (+15551230001)\nNot signed in to Acme CRM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tooltip(tt.s, "Acme CRM"))
		})
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("é", maxLineRunes+5)
	got := shorten(long)
	assert.Equal(t, maxLineRunes, len([]rune(got)))
	assert.True(t, strings.HasSuffix(got, "…"))
	assert.Equal(t, "short", shorten("short"))
}

// line is an entry in a form that reads well in a table.
type line struct {
	label   string
	enabled bool
	checked bool
	act     action
}

func lines(es []entry) []line {
	out := make([]line, len(es))
	for i, e := range es {
		if e.kind == kindSeparator {
			out[i] = line{label: "---"}
			continue
		}
		out[i] = line{e.label, e.enabled, e.checked, e.action}
	}
	return out
}

func TestMenuEntries(t *testing.T) {
	tests := []struct {
		name string
		s    State
		want []line
	}{
		{
			name: "signed out, window hidden, no autostart",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SignedOut},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Not signed in to Acme CRM", false, false, actNone},
				{"Sign in to Acme CRM…", true, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "signed in, window visible, start at login on",
			s: State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Account: "ann@example.com", WindowVisible: true,
				StartAtLoginSupported: true, StartAtLogin: true},
			want: []line{
				{"Hide window", true, false, actToggleWindow},
				{"Signed in to Acme CRM as ann@example.com", false, false, actNone},
				{"Sign out of Acme CRM", true, false, actSignInOut},
				{"Start at login", true, true, actStartAtLogin},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "signing in disables the sign-in item",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SigningIn, StartAtLoginSupported: true},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Signing in to Acme CRM…", false, false, actNone},
				{"Sign in to Acme CRM…", false, false, actSignInOut},
				{"Start at login", true, false, actStartAtLogin},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "signing out disables the sign-out item",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SigningOut},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Signing out…", false, false, actNone},
				{"Sign out of Acme CRM", false, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "problem and keyring warning are information lines",
			s: State{DisplayName: "Acme CRM", Phase: phase.SignedOut, Problem: "Sign-in failed: access_denied",
				KeyringWarning: "Sign-in will not be remembered (no keyring)"},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Not signed in to Acme CRM", false, false, actNone},
				{"Sign-in failed: access_denied", false, false, actNone},
				{"Sign-in will not be remembered (no keyring)", false, false, actNone},
				{"Sign in to Acme CRM…", true, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "how calls go when the window cannot call",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SignedIn, CallingNote: "Calls ring +15551230000 first (RingOut)"},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Signed in to Acme CRM", false, false, actNone},
				{"Calls ring +15551230000 first (RingOut)", false, false, actNone},
				{"Sign out of Acme CRM", true, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "a call in progress is the line under the window item",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SignedOut, Call: "Incoming call: Ann\n(+15551230001)"},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Incoming call: Ann (+15551230001)", false, false, actNone},
				{"Not signed in to Acme CRM", false, false, actNone},
				{"Sign in to Acme CRM…", true, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
		{
			name: "a ringing call can be answered or declined from the menu",
			s:    State{DisplayName: "Acme CRM", Phase: phase.SignedIn, Call: "Incoming call: Ann (+15551230001)", RingingCall: "s-1"},
			want: []line{
				{"Show window", true, false, actToggleWindow},
				{"Incoming call: Ann (+15551230001)", false, false, actNone},
				{"Answer call", true, false, actAnswer},
				{"Decline call", true, false, actDecline},
				{"Signed in to Acme CRM", false, false, actNone},
				{"Sign out of Acme CRM", true, false, actSignInOut},
				{label: "---"},
				{"Quit", true, false, actQuit},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, lines(menuEntries(tt.s, "fallback")))
		})
	}
}

// recorder is an Actions that notes each call.
type recorder struct{ calls []string }

func (r *recorder) ToggleWindow() { r.calls = append(r.calls, "toggle") }
func (r *recorder) SignIn()       { r.calls = append(r.calls, "sign in") }
func (r *recorder) SignOut()      { r.calls = append(r.calls, "sign out") }
func (r *recorder) SetStartAtLogin(on bool) {
	if on {
		r.calls = append(r.calls, "start at login on")
	} else {
		r.calls = append(r.calls, "start at login off")
	}
}
func (r *recorder) Quit()                 { r.calls = append(r.calls, "quit") }
func (r *recorder) AnswerCall(id string)  { r.calls = append(r.calls, "answer "+id) }
func (r *recorder) DeclineCall(id string) { r.calls = append(r.calls, "decline "+id) }

func TestPerform(t *testing.T) {
	tests := []struct {
		name string
		act  action
		s    State
		want []string
	}{
		{"toggle", actToggleWindow, State{}, []string{"toggle"}},
		{"sign in when signed out", actSignInOut, State{Phase: phase.SignedOut}, []string{"sign in"}},
		{"sign out when signed in", actSignInOut, State{Phase: phase.SignedIn}, []string{"sign out"}},
		{"nothing while signing in", actSignInOut, State{Phase: phase.SigningIn}, nil},
		{"nothing while signing out", actSignInOut, State{Phase: phase.SigningOut}, nil},
		{"start at login turns on", actStartAtLogin, State{StartAtLogin: false}, []string{"start at login on"}},
		{"start at login turns off", actStartAtLogin, State{StartAtLogin: true}, []string{"start at login off"}},
		{"quit", actQuit, State{}, []string{"quit"}},
		{"information line does nothing", actNone, State{}, nil},
		{"answer the call that rang", actAnswer, State{RingingCall: "s-1"}, []string{"answer s-1"}},
		{"decline the call that rang", actDecline, State{RingingCall: "s-1"}, []string{"decline s-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{}
			perform(r, tt.act, tt.s)
			assert.Equal(t, tt.want, r.calls)
		})
	}
}
