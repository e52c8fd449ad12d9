package main

import "testing"

// The global kazoo keeps the key it always had (a page that registered
// before createPhone existed stays the same device); created phones get
// one per account, not per creation order.
func TestInstanceStoreKey(t *testing.T) {
	if got := instanceStoreKey(0, "sip:1001@lab.test"); got != "kazoo.instanceId" {
		t.Fatalf("phone 0: %q", got)
	}
	a := instanceStoreKey(1, "sip:1002@lab.test")
	if a == instanceKey || a != instanceStoreKey(7, "sip:1002@lab.test") {
		t.Fatalf("created phone of 1002: %q, and as phone 7: %q", a, instanceStoreKey(7, "sip:1002@lab.test"))
	}
	if a == instanceStoreKey(1, "sip:1003@lab.test") {
		t.Fatalf("two accounts share %q", a)
	}
}
