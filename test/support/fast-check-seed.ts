// Property tests in the suite run from a fixed seed so that a CI run is reproducible;
// TSBPF_FUZZ_SEED=<n> picks another seed and TSBPF_FUZZ_SEED=random a fresh one each run
// (that is how longer fuzzing campaigns are run by hand, with TSBPF_FUZZ=<factor> for more runs).
// A test that passes its own `seed` keeps it.
import fc from 'fast-check';

const env = process.env.TSBPF_FUZZ_SEED;
if (env !== 'random') {
  const seed = env !== undefined && env !== '' ? Number(env) : 20261130;
  if (!Number.isInteger(seed)) throw new Error(`TSBPF_FUZZ_SEED must be an integer or 'random', got '${env}'`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
