// The call tests of calls.test.mjs again, every page registered with
// warmup 'none': each call opens its microphone and peer connection
// itself, as without the warm-up.
process.env.KAZOO_TEST_WARMUP = 'none';
await import('./calls.test.mjs');
