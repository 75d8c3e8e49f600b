/**
 * A test hook, and only that: with MW_TEST_KILL_AT=N in the environment, the wizard kills itself
 * with SIGKILL right after it announced its Nth action (counting from 1 across the run), before
 * that action does anything. The kill -9 suite (test/stack/kill9.test.ts) uses it to stop a setup
 * at every action in turn, deterministically, and then proves that `repair` converges. The run
 * state is already on disk at that point (the journal writes before the action starts), which is
 * exactly what a real kill, crash or power cut at that moment would leave.
 */
let started = 0;

export function killPointReached(): void {
  const at = process.env.MW_TEST_KILL_AT;
  if (!at) return;
  started += 1;
  if (started === Number(at)) process.kill(process.pid, 'SIGKILL');
}
