// Time-outs are guards against a hang, never a measure of speed: the suite must pass on a busy
// machine (README, "Running the tests under load"). vitest's defaults (5 s a test, 10 s a hook)
// were met beside `stress-ng --cpu 2` by plain unit tests that make RSA keys; tests that wait on
// daemons set their own, longer ones.
export default {
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
