// The verdicts of "make soak" (tests/soak/soak.sh): reads what the load
// client recorded (tests/soak/client.mjs), every audit log file the run
// produced, and the monitor's log, and prints one "ok   soak NAME (...)"
// or "FAIL soak NAME: ..." line per check, then the figures of the run,
// indented.  Exits with the number of checks that failed.
//
// usage: node check.mjs CONFIG.json MCPD-EXIT-STATUS
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const mcpdExit = process.argv[3];
const S = JSON.parse(fs.readFileSync(`${cfg.out}/summary.json`, 'utf8'));
let failures = 0;
const report = [];

function verdict(name, bad, detail) {
	if (bad.length === 0) {
		console.log(`ok   soak ${name} (${detail})`);
		return;
	}
	failures++;
	console.log(`FAIL soak ${name}: ${bad.slice(0, 8).join('; ')}` +
	    (bad.length > 8 ? `; and ${bad.length - 8} more` : ''));
}

async function* lines(file) {
	const rl = readline.createInterface({ input: fs.createReadStream(file),
	    crlfDelay: Infinity });
	for await (const l of rl)
		yield l;
}

const inc = (m, k, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) =>
    `${k} ${v}`).join(', ');

// ---- what each request should have got, and left in the audit log --------

// Answers each class and form may get, as "status outcome".
const TOOL_ANSWERS = ['200 ok', '200 toolfail'];
function allowedAnswers(cls, form) {
	switch (cls) {
	case 'good':
	case 'slowread':
		return form === 'tools/list' ? ['200 list'] : TOOL_ANSWERS;
	case 'session':
		return {
			initialize: ['200 init'],
			initialized: ['202 empty'],
			ping: ['200 emptyresult'],
			delete: ['204 empty'],
			'tools/list': ['200 list'],
		}[form] ?? TOOL_ANSWERS;
	case 'denied':
		return form === 'unknown' ? ['200 err-32602'] : ['200 denied'];
	case 'burst':
		return [...TOOL_ANSWERS, '429 ratelimited'];
	case 'badtoken':
	case 'expired':
		return ['401 authfail'];
	case 'flood':
		return ['401 authfail', '429 ratelimited'];
	case 'oversize':
		return ['413 toolarge'];
	case 'malformed':
		return {
			notjson: ['400 err-32700'],
			array: ['400 err-32600'],
			noversion: ['400 err-32600'],
			nomethod: ['400 err-32600'],
			// Allowed callers with bad arguments get a tool error
			// naming the constraint (MCP 2025-11-25, SEP-1303).
			badargs: ['200 toolerror'],
			extraarg: ['200 toolerror'],
			mismatch: ['400 err-32020'],
			badversion: ['400 err-32022'],
			contenttype: ['415 err-32600'],
			deep: ['400 err-32700'],
			badutf8: ['400 err-32700'],
			nosession: ['400 err-32600'],
		}[form] ?? [];
	}
	return [];
}

// The audit records (event decision reason) a request's id must have, in
// any order, given its answer; none for anything else.
function expectedRecords(cls, form, outcome) {
	// Refused before the body was read: the authenticate record has no
	// request id.
	if (['flood', 'badtoken', 'expired'].includes(cls))
		return [];
	if (form === 'unknown' && outcome === 'err-32602')
		return ['tools/call DENIED unknown tool'];
	if (cls === 'malformed' && outcome === 'toolerror')
		return ['tools/call ERROR invalid arguments: *'];
	switch (outcome) {
	case 'ok':
		return ['tools/call ALLOWED -', 'tools/result - ok'];
	case 'toolfail':
		return ['tools/call ALLOWED -', 'tools/result ERROR *'];
	case 'denied':
		return ['tools/call DENIED no role permits the tool'];
	case 'ratelimited':
		return ['tools/call RATE_LIMITED rate limit exceeded'];
	case 'list':
		return ['tools/list ALLOWED listing permitted tools'];
	}
	return [];
}

// ---- read the client's record --------------------------------------------

const byId = new Map();		// id -> records it must have
const answers = new Map();	// "class form status outcome" -> n
const perClass = new Map();
const bySource = new Map();	// "ip status" -> n
let nreq = 0, nans = 0, extra = 0, dupIds = 0;
const noAnswer = [];
const wrongAnswer = new Map();
for await (const l of lines(`${cfg.out}/results.tsv`)) {
	const [id, cls, form, status, outcome, src] = l.split('\t');
	if (outcome === 'extra-answer') {
		extra++;
		continue;
	}
	nreq++;
	inc(perClass, cls);
	if (status === '0') {
		noAnswer.push(`${cls}/${form} id ${id}: ${outcome}`);
		continue;
	}
	nans++;
	inc(answers, `${cls} ${form} ${status} ${outcome}`);
	inc(bySource, `${src} ${status}`);
	if (!allowedAnswers(cls, form).includes(`${status} ${outcome}`))
		inc(wrongAnswer, `${cls}/${form} got ${status} ${outcome}`);
	if (id !== '-') {
		if (byId.has(id))
			dupIds++;
		byId.set(id, expectedRecords(cls, form, outcome));
	}
}

const probs = S.problems.filter((p) => !/no answer/.test(p));
verdict('answers', [
	...noAnswer,
	...(nreq !== S.counts.sent ? [`${S.counts.sent} sent, ${nreq} ` +
	    'recorded'] : []),
	...(extra > 0 ? [`${extra} extra answers`] : []),
	...(dupIds > 0 ? [`${dupIds} ids used twice`] : []),
	...probs,
], `${nreq} requests, ${nans} answered once, 0 unanswered, 0 answered twice`);

verdict('outcomes', [...wrongAnswer].map(([k, v]) => `${k} (${v}x)`),
    `every answer the one its request calls for: ${fmt(perClass)}`);

// ---- slow clients --------------------------------------------------------

const slow = new Map();
const slowBad = [];	// held past the limit + 10 s, or answered
const slowMax = new Map();
for await (const l of lines(`${cfg.out}/slow.tsv`)) {
	const [kind, outcome, secs, t] = l.split('\t');
	inc(slow, `${kind} ${outcome}`);
	if (outcome === 'run-ended')
		continue;	// held until the end of the run
	if (outcome !== 'cut') {
		slowBad.push(`${kind} ${outcome} after ${secs}s (from ${t}s)`);
		continue;
	}
	// The client waits for the cut up to the limit plus 10 s, and
	// counts a longer hold as not-cut: how punctual the cut is on a
	// busy machine is measured (the longest is shown), not asserted.
	slowMax.set(kind, Math.max(slowMax.get(kind) ?? 0, Number(secs)));
}
for (const k of ['slowloris-headers', 'slowloris-body', 'idle-tls',
    'idle-tcp'])
	if (!slow.has(`${k} cut`))
		slowBad.push(`no ${k} connection was cut`);
verdict('slow-clients', slowBad, `${fmt(slow)}; longest held: ` +
    [...slowMax].map(([k, v]) => `${k} ${v}s`).join(', '));

// ---- the audit log, every file of it, in order ---------------------------

const files = [];
for (let i = 1; i <= S.auditFiles; i++)
	files.push(`${cfg.auditLog}.${i}`);
files.push(cfg.auditLog);

const verifyBad = [];
const verifyOut = [];
for (const [i, f] of files.entries()) {
	const args = ['audit', 'verify', f, '--key-file', cfg.auditKey];
	if (i > 0)
		args.push('--continued');
	const r = spawnSync(cfg.mcpctl, args, { encoding: 'utf8' });
	verifyOut.push(`${f.slice(cfg.dir.length + 1)}: ${r.stdout.trim()}`);
	if (r.status !== 0 || !/^OK: /.test(r.stdout))
		verifyBad.push(`${f}: ${r.stdout.trim()} ${r.stderr.trim()}`);
}
// The whole chain at once, from seq 1: also proves that each file takes
// up where the one before it ended.
const cat = `${cfg.out}/audit-all.log`;
{
	const fd = fs.openSync(cat, 'w');
	for (const f of files)
		fs.writeSync(fd, fs.readFileSync(f));
	fs.closeSync(fd);
}
const whole = spawnSync(cfg.mcpctl, ['audit', 'verify', cat, '--key-file',
    cfg.auditKey], { encoding: 'utf8' });
if (whole.status !== 0 || !/^OK: /.test(whole.stdout))
	verifyBad.push(`all files together: ${whole.stdout.trim()} ` +
	    `${whole.stderr.trim()}`);
fs.rmSync(cat);
verdict('audit-verify', verifyBad, `${files.length} files, each verified, ` +
    `and all of them as one chain: ${whole.stdout.trim()}`);

// Read every record once: by request id, and the rest by kind.
const seen = new Map();		// id -> [record signatures]
const events = new Map();	// "event decision" -> n
const authBySource = new Map();	// "ip decision" -> n
const processReasons = new Map();
const reloadReasons = new Map();
const resultReasons = new Map();
let nrec = 0, orphan = 0, badline = 0;
const orphanEx = [];
for (const f of files) {
	for await (const l of lines(f)) {
		let r;
		try {
			r = JSON.parse(l);
		} catch {
			badline++;
			continue;
		}
		nrec++;
		inc(events, `${r.event} ${r.decision ?? '-'}`);
		// Refusals before authentication are summed up per source
		// block: a record with a count stands for that many, and
		// names the block (127.0.0.66/32) instead of ip:port.
		if (r.event === 'authenticate')
			inc(authBySource, `${String(r.source).replace(/:\d+$/,
			    '').replace(/\/32$/, '')} ${r.decision}`,
			    r.count ?? 1);
		if (r.event === 'process' || r.event === 'privsep')
			inc(processReasons, `${r.event}: ${r.reason}`);
		if (r.event === 'reload')
			inc(reloadReasons, `${r.decision ?? '-'} ${r.reason}`);
		if (r.event === 'tools/result')
			inc(resultReasons, r.reason);
		if (r.request_id === null || r.request_id === undefined)
			continue;
		if (!byId.has(r.request_id)) {
			orphan++;
			if (orphanEx.length < 4)
				orphanEx.push(l.slice(0, 160));
			continue;
		}
		const sig = `${r.event} ${r.decision ?? '-'} ${r.reason ?? '-'}`;
		const a = seen.get(r.request_id);
		if (a === undefined)
			seen.set(r.request_id, [sig]);
		else
			a.push(sig);
	}
}

// Every request id against its records: exactly the expected ones.
const mismatch = new Map();
let ncalls = 0, withRecords = 0, nrecById = 0;
for (const [id, want] of byId) {
	const got = seen.get(id) ?? [];
	if (want.length > 0)
		ncalls++;
	if (got.length > 0)
		withRecords++;
	nrecById += got.length;
	const left = [...got];
	let ok = left.length === want.length;
	for (const w of want) {
		const i = left.findIndex((g) => w.endsWith('*') ?
		    g.startsWith(w.slice(0, -1)) : g === w);
		if (i < 0)
			ok = false;
		else
			left.splice(i, 1);
	}
	if (!ok)
		inc(mismatch, `want [${want.join(', ')}], got ` +
		    `[${got.join(', ')}]`);
}
verdict('audit-per-request', [
	...[...mismatch].map(([k, v]) => `${k} (${v}x)`),
	...(orphan > 0 ? [`${orphan} records with a request id no request ` +
	    `had: ${orphanEx.join(' | ')}`] : []),
	...(badline > 0 ? [`${badline} lines that are not JSON`] : []),
], `${byId.size} requests with an id, ${ncalls} of them decided by the ` +
    `monitor, each with exactly its records (${nrecById} records ` +
    `by id: ${fmt(new Map([...events].filter(([k]) =>
    /^tools\//.test(k))))}); no other id has any`);

// Refused authentications: one record each, by source address.
const authBad = [];
const initAnswers = [...answers].filter(([k]) => / initialize 200 init$/
    .test(k)).reduce((a, [, v]) => a + v, 0);
const initRecords = events.get('initialize -') ?? 0;
if (initAnswers !== initRecords)
	authBad.push(`${initAnswers} sessions initialized, ${initRecords} ` +
	    'initialize records');
for (const [src, cls] of [[cfg.badSource, 'badtoken'],
    [cfg.expiredSource, 'expired'], [cfg.floodSource, 'flood'],
    ['127.0.0.1', 'others']]) {
	for (const [st, dec] of [['401', 'AUTH_FAILED'],
	    ['429', 'RATE_LIMITED']]) {
		let n = bySource.get(`${src} ${st}`) ?? 0;
		if (src === '127.0.0.1' && st === '429') {
			// Answers 429 from 127.0.0.1 are RateLimit's, not
			// AuthFailureLimit's; none is an authenticate record.
			n = 0;
		}
		const r = authBySource.get(`${src} ${dec}`) ?? 0;
		if (n !== r)
			authBad.push(`${cls} from ${src}: ${n} answered ${st}, ` +
			    `${r} authenticate ${dec} records`);
	}
}
const authTotal = [...authBySource].reduce((a, [, v]) => a + v, 0);
verdict('audit-refusals', authBad, `${authTotal} refusals in authenticate ` +
    'records (summed up per source: a record with a count stands for ' +
    `that many), one per 401 and per AuthFailureLimit 429, by source: ` +
    `${fmt(authBySource)}; ` +
    `${initRecords} initialize records for ${initAnswers} sessions`);

// ---- reloads and log rotations -------------------------------------------

const hups = S.faults.hups.length;
const reloadBad = [...S.faults.errors];
if ((reloadReasons.get('- configuration reloaded') ?? 0) !== hups ||
    reloadReasons.size !== (hups > 0 ? 1 : 0))
	reloadBad.push(`${hups} SIGHUPs, reload records: ${fmt(reloadReasons)}`);
if (S.reloadsLogged !== hups || S.reloadsFailed !== 0)
	reloadBad.push(`${hups} SIGHUPs, logged: ${S.reloadsLogged} reloaded, ` +
	    `${S.reloadsFailed} failed`);
if (S.faults.rotations.length === 0)
	reloadBad.push('no key rotation happened');
if (S.faults.usr1.length === 0 || S.faults.usr1.some((u) => !u.reopened))
	reloadBad.push('audit log rotations: ' + JSON.stringify(S.faults.usr1));
verdict('reload-rotate', reloadBad, `${S.faults.rotations.length} JWKS key ` +
    `rotations (${hups} SIGHUP reloads, each logged and audited), ` +
    `${S.faults.usr1.length} audit log rotations (SIGUSR1)`);

// ---- deaths --------------------------------------------------------------

const err = fs.readFileSync(cfg.errLog, 'latin1').split('\n');
const killed = new Set(S.faults.kills.map((k) => k.pid));
const died = new Map();		// pid -> how the monitor saw it go
const retired = new Set();
const quiet = new Set();	// deaths logged at debug level only
const unexpected = [];
for (const l of err) {
	let m;
	if ((m = /: error: worker (\d+) killed by signal 9 \(SIGKILL\)$/
	    .exec(l)))
		died.set(Number(m[1]), 'SIGKILL');
	else if ((m = /debug: mon_worker_retire: worker (\d+): /.exec(l)))
		retired.add(Number(m[1]));
	else if ((m = /debug: mon_reaped: worker (\d+) /.exec(l)))
		quiet.add(Number(m[1]));
	else if (l === '' || / debug\d?: /.test(l) ||
	    /authentication failed from /.test(l) ||
	    /configuration reloaded$/.test(l) ||
	    /: audit checkpoint \d+:[0-9a-f]{64} epoch \d+$/.test(l) ||
	    /audit log reopened|reopen/i.test(l) ||
	    /^(MCP Server starting|  \[OK\]|Server ready on )/.test(l) ||
	    /received signal 15|terminat|exiting/i.test(l))
		continue;
	else if (unexpected.length < 20)
		unexpected.push(l);
}
const deathBad = [];
for (const pid of died.keys())
	if (!killed.has(pid))
		deathBad.push(`worker ${pid} died of SIGKILL, not sent by the soak`);
let raced = 0;
const unlogged = [];
for (const pid of killed) {
	if (died.has(pid))
		continue;
	if (retired.has(pid))
		raced++;	// it was retiring: the monitor's own exit
	else
		unlogged.push(pid);
}
if (unlogged.length > 0) {
	const q = unlogged.filter((p) => quiet.has(p)).length;
	deathBad.push(`${unlogged.length} of the ${killed.size} workers the ` +
	    'soak killed were neither logged as an error nor audited as ' +
	    `"process" (${q} of them only in a debug line "mon_reaped: ` +
	    'worker N killed by signal 9": the monitor took the death ' +
	    'for its own kill); pids ' + unlogged.slice(0, 10).join(' '));
}
const procRec = processReasons.get('process: worker killed by signal 9 ' +
    '(SIGKILL)') ?? 0;
if (procRec !== died.size)
	deathBad.push(`${died.size} deaths logged, ${procRec} audited`);
for (const [k, v] of processReasons)
	if (k !== 'process: worker killed by signal 9 (SIGKILL)')
		deathBad.push(`audited: ${k} (${v}x)`);
for (const l of unexpected)
	deathBad.push(`log: ${l}`);
const netPids = new Set(S.samples.map((s) => s.net?.pid ?? null));
if (netPids.size !== 1 || netPids.has(null))
	deathBad.push(`net process pids seen: ${[...netPids].join(' ')}`);
if (S.samples.some((s) => s.monitor === null))
	deathBad.push('the monitor was gone during the run');
if (mcpdExit !== '0')
	deathBad.push(`mcpd exited ${mcpdExit} after SIGTERM`);
verdict('deaths', deathBad, `${S.faults.kills.length} workers killed by ` +
    `the soak, ${died.size} deaths logged and audited` +
    (raced ? `, ${raced} killed while retiring (not a crash)` : '') +
    `, no other process died, ${retired.size} workers retired`);

// ---- resources -----------------------------------------------------------

const warm = cfg.warmup;
const win = cfg.window;
const end = Math.min(S.loadEnd, S.seconds);
const after = S.samples.filter((s) => s.t >= warm && s.t <= end);
const first = after.filter((s) => s.t < warm + win);
const last = after.filter((s) => s.t > end - win);
const median = (a) => {
	const b = [...a].sort((x, y) => x - y);
	return b.length ? b[Math.floor(b.length / 2)] : NaN;
};
const series = {
	'monitor RSS': (s) => s.monitor?.rss,
	'monitor fds': (s) => s.monitor?.fds,
	'net RSS': (s) => s.net?.rss,
	'net fds': (s) => s.net?.fds,
	'worker RSS': (s) => Math.max(...settled(s).map((w) => w.rss)),
	'worker fds': (s) => Math.max(...settled(s).map((w) => w.fds)),
};
// Workers come and go (killed, retired): each window's peak is compared,
// over workers at least 2 s old (one just started still opens its files);
// the monitor and the net process live throughout: each window's median.
function settled(s) {
	return s.workers.filter((w) => w.age >= 2);
}
const PEAK = new Set(['worker RSS', 'worker fds']);
const resBad = [];
const growth = [];
if (first.length < 3 || last.length < 3)
	resBad.push(`too few samples after warm-up (${first.length}, ` +
	    `${last.length})`);
for (const [name, f] of Object.entries(series)) {
	const stat = PEAK.has(name) ? (v) => Math.max(...v) : median;
	const a = stat(first.map(f).filter(Number.isFinite));
	const b = stat(last.map(f).filter(Number.isFinite));
	const g = (b - a) / a * 100;
	growth.push(`${name} ${a}->${b} (${g >= 0 ? '+' : ''}${g.toFixed(1)}%)`);
	if (!(g < 5))
		resBad.push(`${name} grew from ${a} to ${b} (${g.toFixed(1)}%)`);
}
const rb = S.restBefore, ra = S.restAfter;
const restLine = (s) => `monitor ${s.monitor?.fds}, net ${s.net?.fds}, ` +
    `workers ${s.workers.map((w) => w.fds).join('/')}`;
if (ra.monitor?.fds !== rb.monitor?.fds || ra.net?.fds !== rb.net?.fds ||
    ra.workers.length !== rb.workers.length ||
    ra.workers.some((w) => w.fds !== rb.workers[0].fds))
	resBad.push(`descriptors at rest before (${restLine(rb)}) and after ` +
	    `(${restLine(ra)}) the load differ`);
verdict('resources', resBad, `${first.length} samples from ${warm}s ` +
    `against ${last.length} before ${end.toFixed(0)}s (monitor, net: ` +
    'median; workers: peak): ' +
    `${growth.join(', ')}; fds at rest before and after the load: ` +
    `${restLine(rb)}`);

// ---- the figures ---------------------------------------------------------

const secs = Math.min(S.loadEnd, S.seconds);
report.push(`run: ${secs.toFixed(0)}s of load, ${nreq} requests ` +
    `(${(nreq / secs).toFixed(0)}/s), ${nans} answers`);
{
	// CPU time of the long-lived processes over the load.
	const a = S.samples[0], b = S.samples.filter((x) => x.t <= end)
	    .at(-1);
	const cpu = (k) => (b[k]?.cpu - a[k]?.cpu) / cfg.clkTck;
	const per = (k) => (cpu(k) * 1e6 / nreq).toFixed(0);
	report.push(`CPU over ${(b.t - a.t).toFixed(0)}s: monitor ` +
	    `${cpu('monitor').toFixed(1)}s, net ${cpu('net').toFixed(1)}s ` +
	    `(${per('monitor')} and ${per('net')} us a request)`);
}
report.push(`by class: ${fmt(perClass)}`);
report.push(`answers: ${fmt(answers)}`);
report.push(`audit: ${nrec} records in ${files.length} files; ` +
    `${fmt(events)}`);
report.push(`tools/result reasons: ${fmt(resultReasons)}`);
report.push(`audit verify: ${verifyOut.join('; ')}`);
report.push(`faults: ${S.faults.kills.length} workers killed ` +
    `(kill -9), ${S.faults.hups.length} SIGHUP reloads ` +
    `(${S.faults.rotations.length} key rotations, ${S.generations} keys), ` +
    `${S.faults.usr1.length} SIGUSR1 log rotations`);
report.push(`slow connections: ${fmt(slow)}`);
report.push('samples (t: monitor rss/fds, net rss/fds, workers rss/fds):');
const step = Math.max(1, Math.floor(S.samples.length / 20));
for (let i = 0; i < S.samples.length; i += step) {
	const s = S.samples[i];
	report.push(`  ${String(s.t).padStart(7)}s: ${s.monitor?.rss}k/` +
	    `${s.monitor?.fds}  ${s.net?.rss}k/${s.net?.fds}  ` +
	    s.workers.map((w) => `${w.rss}k/${w.fds}`).join(' '));
}
for (const r of report)
	console.log(`  ${r}`);
fs.writeFileSync(`${cfg.out}/report.txt`, report.join('\n') + '\n');
process.exit(failures);
