// Package audiodev keeps the audio devices a page chose — microphone,
// speaker and ringtone — and reconciles that choice with the browser's
// device list each time it changes (navigator.mediaDevices'
// "devicechange"). A chosen device that disappears (a headset unplugged)
// falls back to the browser's default, and the change says so, so that a
// call in progress can move its audio instead of dying.
//
// It is plain Go: the browser side (enumerateDevices, setSinkId,
// replaceTrack) is jsbridge's, the wiring cmd/kazoojs's. Device IDs are
// the browser's deviceId strings; "" means the default device, and
// Chromium's "default" pseudo-device is treated as the same.
package audiodev
