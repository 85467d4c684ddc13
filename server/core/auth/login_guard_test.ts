import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { openDatabase } from "../../store/sqlite/database.ts";
import { SqliteLoginAttemptStore } from "../../store/sqlite/login_attempts.ts";
import { Logger } from "../log.ts";
import { MAX_FAILURE_DELAY_MS } from "../limits.ts";
import { LoginGuard, type LoginPolicy } from "./login_guard.ts";

const POLICY: LoginPolicy = {
  loginAttemptsPerMinute: 1000,
  loginBanFailures: 1000,
  loginBanTime: 900,
};

interface Fixture extends Disposable {
  guard: LoginGuard;
  db: DatabaseSync;
  logged: string[];
  clock: { now: number };
}

function fixture(policy: Partial<LoginPolicy> = {}): Fixture {
  const dir = Deno.makeTempDirSync({ prefix: "ftpx-guard-" });
  const db = openDatabase(dir);
  const logged: string[] = [];
  const clock = { now: 1_700_000_000_000 };
  const guard = new LoginGuard(new SqliteLoginAttemptStore(db), { ...POLICY, ...policy }, {
    log: new Logger("debug", (line) => logged.push(line)),
    now: () => clock.now,
  });
  return {
    guard,
    db,
    logged,
    clock,
    [Symbol.dispose]() {
      db.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

async function failOnce(guard: LoginGuard, address: string) {
  const gate = await guard.begin(address);
  assert.ok(gate.allowed, JSON.stringify(gate));
  return await guard.fail(gate.attempt, address);
}

Deno.test("loginGuard delays each failure twice as long as the last, up to a cap", async () => {
  using f = fixture();
  const delays = [];
  for (let i = 0; i < 8; i++) delays.push((await failOnce(f.guard, "10.0.0.1")).delayMs);
  assert.deepEqual(delays, [400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  assert.equal(MAX_FAILURE_DELAY_MS, 10_000);
  assert.equal((await failOnce(f.guard, "10.0.0.2")).delayMs, 400, "another address starts afresh");
});

Deno.test("loginGuard forgets failures older than the ban window", async () => {
  using f = fixture({ loginBanTime: 60 });
  await failOnce(f.guard, "10.0.0.1");
  await failOnce(f.guard, "10.0.0.1");
  f.clock.now += 61_000;
  assert.equal((await failOnce(f.guard, "10.0.0.1")).recentFailures, 1);
  const rows = f.db.prepare("SELECT count(*) AS n FROM login_attempts").get() as { n: number };
  assert.equal(rows.n, 1, "old attempts are deleted, so the table stays small");
});

Deno.test("loginGuard bans an address after repeated failures, logs it, and lifts it later", async () => {
  using f = fixture({ loginBanFailures: 3, loginBanTime: 600 });
  assert.equal((await failOnce(f.guard, "10.0.0.1")).banned, false);
  assert.equal((await failOnce(f.guard, "10.0.0.1")).banned, false);
  assert.equal((await failOnce(f.guard, "10.0.0.1")).banned, true);
  assert.match(
    f.logged.join("\n"),
    /warn +address banned address=10\.0\.0\.1 failures=3 seconds=600/,
  );

  const gate = await f.guard.begin("10.0.0.1");
  assert.equal(gate.allowed, false);
  assert.ok(!gate.allowed && gate.reason === "banned" && gate.retryAfterSeconds === 600);
  assert.ok(!gate.allowed && /try again in 10 minutes/.test(gate.message));
  assert.ok((await f.guard.begin("10.0.0.9")).allowed, "other addresses are not banned");

  f.clock.now += 599_000;
  assert.equal((await f.guard.begin("10.0.0.1")).allowed, false);
  f.clock.now += 1_000;
  const after = await f.guard.begin("10.0.0.1");
  assert.ok(after.allowed, "the ban has run out");
  assert.ok(after.allowed);
  assert.equal(
    (await f.guard.fail(after.attempt, "10.0.0.1")).recentFailures,
    1,
    "a lifted ban starts a clean slate",
  );
});

Deno.test("loginGuard caps unsuccessful attempts per minute, counting them before the outcome is known", async () => {
  using f = fixture({ loginAttemptsPerMinute: 3 });
  // Three logins in flight at once (parallel connections): the fourth is refused already.
  const gates = await Promise.all([1, 2, 3].map(() => f.guard.begin("10.0.0.1")));
  assert.ok(gates.every((gate) => gate.allowed));
  const fourth = await f.guard.begin("10.0.0.1");
  assert.ok(!fourth.allowed && fourth.reason === "rate");
  assert.ok(!fourth.allowed && /\(3 a minute\): try again in 60s/.test(fourth.message));
  for (const gate of gates) if (gate.allowed) await f.guard.fail(gate.attempt, "10.0.0.1");
  assert.equal((await f.guard.begin("10.0.0.1")).allowed, false, "failures count");
  f.clock.now += 30_000;
  const later = await f.guard.begin("10.0.0.1");
  assert.ok(!later.allowed && later.retryAfterSeconds === 30);
  f.clock.now += 30_001;
  assert.ok((await f.guard.begin("10.0.0.1")).allowed);
});

Deno.test("loginGuard lets successful logins through whatever their rate", async () => {
  using f = fixture({ loginAttemptsPerMinute: 3, loginBanFailures: 3 });
  for (let i = 0; i < 20; i++) {
    const gate = await f.guard.begin("10.0.0.1");
    assert.ok(gate.allowed, `login ${i + 1}: ${JSON.stringify(gate)}`);
    await f.guard.succeed(gate.attempt);
  }
});

Deno.test("loginGuard checks at most the ban threshold of passwords from a burst of parallel logins", async () => {
  using f = fixture({ loginBanFailures: 3 });
  const first = await Promise.all([1, 2, 3].map(() => f.guard.begin("10.0.0.1")));
  assert.ok(first.every((gate) => gate.allowed));
  // Three passwords are being checked: the rest wait for their outcome instead of racing past.
  const waiting = [4, 5, 6].map(() => f.guard.begin("10.0.0.1"));
  for (const gate of first) if (gate.allowed) await f.guard.fail(gate.attempt, "10.0.0.1");
  for (const gate of await Promise.all(waiting)) {
    assert.ok(!gate.allowed && gate.reason === "banned", JSON.stringify(gate));
  }
});

Deno.test("loginGuard lets a waiting login through once the pending ones succeeded", async () => {
  using f = fixture({ loginBanFailures: 2 });
  const first = await Promise.all([1, 2].map(() => f.guard.begin("10.0.0.1")));
  const waiting = f.guard.begin("10.0.0.1");
  for (const gate of first) if (gate.allowed) await f.guard.succeed(gate.attempt);
  assert.ok((await waiting).allowed);
});

Deno.test("loginGuard does not count successes as failures", async () => {
  using f = fixture({ loginBanFailures: 2 });
  for (let i = 0; i < 5; i++) {
    const gate = await f.guard.begin("10.0.0.1");
    assert.ok(gate.allowed);
    await f.guard.succeed(gate.attempt);
  }
  assert.equal((await failOnce(f.guard, "10.0.0.1")).banned, false);
  assert.equal((await failOnce(f.guard, "10.0.0.1")).banned, true);
});
