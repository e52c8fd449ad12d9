package main

// instanceKey is where the global kazoo's RFC 5626 instance id is kept in
// localStorage, so that a reload registers as the same device instead of
// adding a binding.
const instanceKey = "kazoo.instanceId"

// instanceStoreKey is where phone id keeps its instance id: the global
// kazoo (phone 0) at instanceKey, as before createPhone existed; a
// created phone at instanceKey + " " + its public identity, so that each
// account of the page is a device of its own, the same across reloads
// whatever order the page creates its phones in. Two created phones of
// one account share it: the second registration replaces the first's
// binding.
func instanceStoreKey(id int, publicIdentity string) string {
	if id == 0 {
		return instanceKey
	}
	return instanceKey + " " + publicIdentity
}
