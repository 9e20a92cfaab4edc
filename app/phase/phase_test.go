package phase

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPhase(t *testing.T) {
	tests := []struct {
		p    Phase
		name string
		busy bool
	}{
		{SignedOut, "signed out", false},
		{SigningIn, "signing in", true},
		{SignedIn, "signed in", false},
		{SigningOut, "signing out", true},
		{Phase(9), "Phase(9)", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.name, tt.p.String())
		assert.Equal(t, tt.busy, tt.p.Busy(), tt.name)
	}
}
