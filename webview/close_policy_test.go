package webview

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// fakeTarget records what handleWindowMessage did, in order, with the forwarding.
type fakeTarget struct{ calls []string }

func (f *fakeTarget) closeRequested() { f.calls = append(f.calls, "close") }
func (f *fakeTarget) forget()         { f.calls = append(f.calls, "forget") }
func (f *fakeTarget) setVisible(v bool) {
	if v {
		f.calls = append(f.calls, "shown")
	} else {
		f.calls = append(f.calls, "hidden")
	}
}

func TestHandleWindowMessage(t *testing.T) {
	const (
		wmDestroy     = 0x0002
		wmSize        = 0x0005
		wmSysCommand  = 0x0112
		scClose       = 0xF060
		swParentClose = 1 // WM_SHOWWINDOW's lParam when the owner is minimised
		forwarded     = 42
	)
	tests := []struct {
		name     string
		detached bool
		msg      uint32
		wParam   uintptr
		lParam   uintptr
		want     []string
		wantRet  uintptr
	}{
		{name: "close button: the Window decides, webview_go never sees it",
			msg: wmClose, want: []string{"close"}, wantRet: 0},
		{name: "close button of a detached window does nothing",
			detached: true, msg: wmClose, want: nil, wantRet: 0},
		{name: "ShowWindow shows", msg: wmShowWindow, wParam: 1,
			want: []string{"forward", "shown"}, wantRet: forwarded},
		{name: "ShowWindow hides", msg: wmShowWindow, wParam: 0,
			want: []string{"forward", "hidden"}, wantRet: forwarded},
		{name: "owner minimised is not a visibility change", msg: wmShowWindow, wParam: 0, lParam: swParentClose,
			want: []string{"forward"}, wantRet: forwarded},
		{name: "a detached window reports no visibility", detached: true, msg: wmShowWindow, wParam: 0,
			want: []string{"forward"}, wantRet: forwarded},
		{name: "last message: forwarded, then forgotten", msg: wmNCDestroy,
			want: []string{"forward", "forget"}, wantRet: forwarded},
		{name: "last message of a detached window too", detached: true, msg: wmNCDestroy,
			want: []string{"forward", "forget"}, wantRet: forwarded},
		{name: "Alt+F4 goes on to DefWindowProc, which sends WM_CLOSE", msg: wmSysCommand, wParam: scClose,
			want: []string{"forward"}, wantRet: forwarded},
		{name: "WM_DESTROY is webview_go's", msg: wmDestroy,
			want: []string{"forward"}, wantRet: forwarded},
		{name: "anything else is webview_go's", msg: wmSize,
			want: []string{"forward"}, wantRet: forwarded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTarget{}
			ret := handleWindowMessage(f, tt.detached, tt.msg, tt.wParam, tt.lParam, func() uintptr {
				f.calls = append(f.calls, "forward")
				return forwarded
			})
			assert.Equal(t, tt.want, f.calls)
			assert.Equal(t, tt.wantRet, ret)
		})
	}
}
