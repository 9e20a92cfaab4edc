package realpart

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCI(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want bool
	}{{"", false}, {"0", false}, {"false", false}, {"true", true}, {"1", true}} {
		t.Setenv("CI", tt.env)
		assert.Equal(t, tt.want, CI(), "CI=%q", tt.env)
	}
}

// recorder records how Missing ends a test without ending this one.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skip(...any)           { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestMissingSkipsLocallyAndFailsInCI(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	Missing(r, "no thing")
	assert.True(t, r.skipped)
	assert.False(t, r.failed)

	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	Missing(r, "no thing")
	assert.True(t, r.failed)
	assert.False(t, r.skipped)
}
