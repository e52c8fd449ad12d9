package audiodev

import (
	"errors"
	"testing"
)

var (
	mic1   = Device{ID: "m1", Kind: Input, Label: "USB headset"}
	mic2   = Device{ID: "m2", Kind: Input, Label: "Built-in"}
	spk1   = Device{ID: "s1", Kind: Output, Label: "USB headset"}
	spk2   = Device{ID: "s2", Kind: Output, Label: "Speakers"}
	camera = Device{ID: "c1", Kind: "videoinput", Label: "Camera"}
)

func TestSetGetReset(t *testing.T) {
	s := New()
	if err := s.Set(Microphone, "anything"); err != nil {
		t.Fatalf("before a list is known any id is taken: %v", err)
	}
	s.Update([]Device{mic1, mic2, spk1, spk2, camera})
	if err := s.Set(Microphone, "m2"); err != nil {
		t.Fatal(err)
	}
	if got := s.Get(Microphone); got != "m2" {
		t.Fatalf("Get = %q", got)
	}
	if err := s.Set(Speaker, "m1"); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("an input as speaker: %v", err)
	}
	if err := s.Set(Ringtone, "nope"); !errors.Is(err, ErrUnknownDevice) {
		t.Fatalf("unknown id: %v", err)
	}
	if err := s.Set("camera", "c1"); err == nil {
		t.Fatal("unknown role accepted")
	}
	if err := s.Set(Speaker, DefaultID); err != nil || s.Get(Speaker) != "" {
		t.Fatalf("default = %q, %v", s.Get(Speaker), err)
	}
	s.Reset(Microphone)
	if got := s.Get(Microphone); got != "" {
		t.Fatalf("after Reset: %q", got)
	}
	if n := len(s.Devices("")); n != 4 {
		t.Fatalf("Devices kept %d, want the 4 audio ones", n)
	}
	if d := s.Devices(Output); len(d) != 2 || d[0] != spk1 {
		t.Fatalf("Devices(Output) = %v", d)
	}
}

func TestUpdateFallsBack(t *testing.T) {
	s := New()
	if c := s.Update([]Device{mic1, mic2, spk1, spk2}); !c.Empty() {
		t.Fatalf("first list reported %+v", c)
	}
	_ = s.Set(Microphone, "m1")
	_ = s.Set(Speaker, "s1")
	_ = s.Set(Ringtone, "s2")
	// The headset (m1, s1) is unplugged.
	c := s.Update([]Device{mic2, spk2})
	if len(c.Removed) != 2 || c.Removed[0] != mic1 || c.Removed[1] != spk1 || len(c.Added) != 0 {
		t.Fatalf("removed %v added %v", c.Removed, c.Added)
	}
	want := []Fallback{{Microphone, "m1"}, {Speaker, "s1"}}
	if len(c.Fallbacks) != 2 || c.Fallbacks[0] != want[0] || c.Fallbacks[1] != want[1] {
		t.Fatalf("fallbacks %v, want %v", c.Fallbacks, want)
	}
	if s.Get(Microphone) != "" || s.Get(Speaker) != "" || s.Get(Ringtone) != "s2" {
		t.Fatalf("after fallback: %q %q %q", s.Get(Microphone), s.Get(Speaker), s.Get(Ringtone))
	}
	// Plugged back: added, and the choice stays on the default.
	c = s.Update([]Device{mic1, mic2, spk1, spk2})
	if len(c.Added) != 2 || len(c.Fallbacks) != 0 || s.Get(Microphone) != "" {
		t.Fatalf("replug: %+v, mic %q", c, s.Get(Microphone))
	}
	if c := s.Update([]Device{mic1, mic2, spk1, spk2}); !c.Empty() {
		t.Fatalf("same list reported %+v", c)
	}
}

func TestChosenBeforeListFallsBack(t *testing.T) {
	s := New()
	_ = s.Set(Microphone, "gone")
	c := s.Update([]Device{mic1})
	if len(c.Fallbacks) != 1 || c.Fallbacks[0] != (Fallback{Microphone, "gone"}) {
		t.Fatalf("fallbacks %v", c.Fallbacks)
	}
}
