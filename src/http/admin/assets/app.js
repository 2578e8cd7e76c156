/* global window, document, location, history, sessionStorage, fetch, btoa, TextEncoder, URLSearchParams, setInterval, clearInterval */
// mls-relay admin console: a dependency-free ES module served by the relay itself (GET /admin).
// It calls only documented APIs: /api/v1/admin/* and /api/v1/mls/admin/* (README, "Admin console"),
// authenticated by a fresh NIP-98 token from the browser signer (window.nostr) or a session opened
// once with a single-use link from `npm run relay -- admin-link`.

const RELAY_ORIGIN = document.querySelector('meta[name="relay-origin"]').content;
const SESSION_KEY = 'mls-relay-admin-session';
const state = { mode: null, pubkey: null, npub: null, page: 'overview', timer: null };

// ---- DOM helpers (text only: nothing from the server is parsed as HTML) ----
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
const Node = window.Node;
const $ = (id) => document.getElementById(id);
const short = (hex) => (hex ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : '');
const time = (sec) => (sec ? new Date(sec * 1000).toISOString().replace('T', ' ').slice(0, 19) : '—');
function table(headers, rows, rowAttrs = () => ({})) {
  return h('table', {}, h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length ? rows.map((r, i) => h('tr', rowAttrs(i), r.map((c) => h('td', {}, c)))) : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'none'))));
}
function notice(text, kind = 'ok') {
  const n = $('notice');
  n.hidden = !text;
  n.className = kind;
  n.textContent = text || '';
}

// ---- Authentication: NIP-98 with the browser signer, or a console session ----
function base64(text) {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}
async function authorization(method, path) {
  if (state.mode === 'session') return `Bearer ${sessionStorage.getItem(SESSION_KEY)}`;
  // A fresh, single-use NIP-98 token per call; `u` is the relay's public URL of this path.
  // The nonce makes two calls to the same URL within one second distinct events (ids are single use).
  const nonce = [...window.crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const template = { kind: 27235, created_at: Math.floor(Date.now() / 1000), content: '', tags: [['u', RELAY_ORIGIN + path], ['method', method], ['nonce', nonce]] };
  const signed = await window.nostr.signEvent(template);
  return `Nostr ${base64(JSON.stringify(signed))}`;
}
class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.code = body && (body.code || body.error);
  }
}
async function api(method, path) {
  const res = await fetch(path, { method, headers: { authorization: await authorization(method, path) } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

function signedIn(who) {
  state.pubkey = who.pubkey;
  state.npub = who.npub;
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('page').hidden = false;
  $('who').replaceChildren(`${who.npub.slice(0, 16)}… (${who.via === 'session' ? 'link session' : 'NIP-07'}) `, h('button', { class: 'btn', type: 'button', onclick: signOut }, 'Sign out'));
  notice('');
  show(state.page);
}
function refuse(err) {
  // A refused signer sees why, never data.
  state.mode = null;
  sessionStorage.removeItem(SESSION_KEY);
  $('page').replaceChildren();
  $('page').hidden = true;
  $('nav').hidden = true;
  $('signin').hidden = false;
  notice(err.status === 403 ? `Refused: ${err.message}. Sign in with a relay admin's key.` : `Sign-in failed: ${err.message}`, 'error');
}
async function signInNip07() {
  if (!window.nostr) return notice('No NIP-07 signer found (window.nostr). Install a signer extension, or use an admin link.', 'error');
  state.mode = 'nip07';
  try {
    signedIn(await api('GET', '/api/v1/admin/whoami'));
  } catch (err) {
    refuse(err);
  }
}
async function signInWithLink(link) {
  history.replaceState(null, '', location.pathname); // the secret leaves the address bar at once
  const res = await fetch('/api/v1/admin/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link }) });
  const body = await res.json().catch(() => null);
  if (!res.ok) return refuse(new ApiError(res.status, body));
  sessionStorage.setItem(SESSION_KEY, body.token);
  state.mode = 'session';
  try {
    signedIn(await api('GET', '/api/v1/admin/whoami'));
  } catch (err) {
    refuse(err);
  }
}
async function signOut() {
  if (state.mode === 'session') await api('DELETE', '/api/v1/admin/session').catch(() => null);
  sessionStorage.removeItem(SESSION_KEY);
  location.reload();
}

// ---- Pages ----
async function show(page) {
  state.page = page;
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
  for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-current', b.dataset.page === page ? 'page' : 'false');
  const el = $('page');
  el.dataset.page = page;
  el.setAttribute('aria-busy', 'true');
  try {
    el.replaceChildren(await PAGES[page]());
    if (page === 'overview') state.timer = setInterval(() => state.page === 'overview' && refreshOverview(), 10_000);
  } catch (err) {
    if (err.status === 401 || err.status === 403) return refuse(err);
    el.replaceChildren(h('p', { class: 'muted' }, `Could not load this page: ${err.message}`));
  } finally {
    el.setAttribute('aria-busy', 'false');
  }
}
async function refreshOverview() {
  try {
    $('page').replaceChildren(await PAGES.overview());
  } catch {
    // keep the last view; the next tick tries again
  }
}

function card(label, value, cls) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: `value ${cls || ''}` }, value));
}
function uptime(sec) {
  const d = Math.floor(sec / 86400), hr = Math.floor((sec % 86400) / 3600), m = Math.floor((sec % 3600) / 60);
  return d ? `${d}d ${hr}h` : hr ? `${hr}h ${m}m` : `${m}m ${sec % 60}s`;
}
function chart(series) {
  const W = 600, H = 160, P = 24;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'events per second and connections over the last hour' });
  if (series.length < 2) {
    svg.append(s('text', { x: P, y: H / 2 }, 'collecting: a point every 10 s, one hour kept'));
    return svg;
  }
  const t0 = series[0].at, t1 = series[series.length - 1].at;
  const maxE = Math.max(1, ...series.map((p) => p.eventsPerSecond)), maxC = Math.max(1, ...series.map((p) => p.connections));
  const x = (t) => P + ((t - t0) / Math.max(1, t1 - t0)) * (W - 2 * P);
  const line = (key, max) => series.map((p) => `${x(p.at).toFixed(1)},${(H - P - (p[key] / max) * (H - 2 * P)).toFixed(1)}`).join(' ');
  svg.append(s('polyline', { class: 'events', points: line('eventsPerSecond', maxE) }), s('polyline', { class: 'conns', points: line('connections', maxC) }));
  svg.append(s('text', { x: P, y: 14 }, `events/s (solid, max ${maxE})  connections (dashed, max ${maxC})`));
  svg.append(s('text', { x: P, y: H - 6 }, new Date(t0).toISOString().slice(11, 16)), s('text', { x: W - P - 30, y: H - 6 }, new Date(t1).toISOString().slice(11, 16)));
  return svg;
}
const kv = (obj) => Object.entries(obj).sort((a, b) => b[1] - a[1]);

const PAGES = {
  async overview() {
    const o = await api('GET', '/api/v1/admin/overview');
    return h('div', {},
      h('h2', {}, 'Overview'),
      h('div', { class: 'cards' },
        card('Status', o.status, o.status),
        ...Object.entries(o.checks).map(([k, v]) => card(`Check: ${k}`, v, v === 'ok' ? 'healthy' : 'unhealthy')),
        card('Version', o.version), card('Uptime', uptime(o.uptime_seconds)), card('Backend', o.backend), card('Connections', o.connections)),
      h('h2', {}, 'Last hour'), chart(o.series),
      h('div', { class: 'grid2' },
        h('div', {}, h('h2', {}, 'Events/s by kind (last minute)'), table(['kind', 'events/s'], kv(o.eventsPerSecondByKind).map(([k, v]) => [k, v]))),
        h('div', {}, h('h2', {}, 'Refusals by reason (since start)'), table(['reason', 'count'], kv(o.refusalsByReason).map(([k, v]) => [k, v]))),
        h('div', {}, h('h2', {}, 'Store latency (since start)'), table(['operation', 'mean ms', 'p95 ≤ ms', 'count'], Object.entries(o.storeLatencyMs).map(([op, l]) => [op, l.mean, l.p95 ?? '—', l.count])))),
      h('p', { class: 'muted' }, 'Figures are this instance\'s own counters (Prometheus names in README "Metrics"); refreshed every 10 s.'));
  },

  async members() {
    const m = await api('GET', '/api/v1/admin/members');
    const form = h('form', { class: 'inline', id: 'member-form' },
      h('input', { name: 'pubkey', placeholder: 'npub1… or 64-hex pubkey', 'aria-label': 'pubkey', required: true }),
      h('input', { name: 'reason', placeholder: 'reason (optional)', 'aria-label': 'reason' }),
      h('button', { class: 'btn primary', type: 'submit', id: 'allow-btn' }, 'Allow'),
      h('button', { class: 'btn danger', type: 'button', id: 'ban-btn', onclick: () => act('ban', form.pubkey.value, form.reason.value) }, 'Ban'));
    form.addEventListener('submit', (e) => (e.preventDefault(), act('allow', form.pubkey.value, form.reason.value)));
    const who = (p) => h('div', {}, p.name ? h('strong', {}, p.name) : null, h('div', { class: 'mono', title: p.pubkey }, p.npub), h('div', { class: 'mono muted' }, p.pubkey));
    const live = (p) => (p.live.connections ? `${p.live.connections} conn / ${p.live.subscriptions} subs` : '—');
    const reason = () => form.reason.value;
    return h('div', {},
      h('h2', {}, 'Members'),
      h('p', { class: 'muted' }, 'Effective allowlist: the config file (file), admin_pubkeys (admin) and NIP-86 or console allows (api). npub and hex accepted. Live sessions are this instance\'s.'),
      form,
      h('h2', {}, `Allowed (${m.allowed.length})`),
      table(['member', 'source', 'reason', 'live', ''], m.allowed.map((p) => [who(p), h('span', {}, p.sources.map((x) => h('span', { class: `badge ${x}` }, x))), p.reason || '', live(p),
        h('span', {}, p.sources.includes('api') ? h('button', { class: 'btn', type: 'button', onclick: () => act('remove', p.pubkey) }, 'Remove') : null, ' ',
          h('button', { class: 'btn danger', type: 'button', 'data-ban': p.pubkey, onclick: () => act('ban', p.pubkey, reason()) }, 'Ban'))]),
        (i) => ({ 'data-pubkey': m.allowed[i].pubkey })),
      h('h2', {}, `Banned (${m.banned.length})`),
      table(['pubkey', 'reason', 'since', 'live', ''], m.banned.map((p) => [who(p), p.reason || '', time(p.at), live(p), h('button', { class: 'btn', type: 'button', onclick: () => act('unban', p.pubkey) }, 'Unban')]),
        (i) => ({ 'data-banned': m.banned[i].pubkey })),
      m.others.length ? h('div', {}, h('h2', {}, 'Authenticated, not on the allowlist'), table(['pubkey', 'live'], m.others.map((p) => [who(p), live(p)]))) : null);
  },

  async keypackages() {
    const [kp, m] = await Promise.all([api('GET', '/api/v1/mls/admin/keypackages'), api('GET', '/api/v1/admin/members')]);
    const names = new Map([...m.allowed, ...m.banned].map((p) => [p.pubkey, p]));
    const hasFraming = kp.owners.some((o) => o.framing);
    const owners = [...kp.owners].sort((a, b) => a.available - b.available);
    const without = m.allowed.filter((p) => !kp.owners.some((o) => o.owner === p.pubkey));
    const label = (pk) => { const p = names.get(pk); return h('div', {}, p && p.name ? h('strong', {}, p.name) : null, h('div', { class: 'mono' }, p ? p.npub : pk)); };
    const headers = ['member', 'available', 'claimed', 'expiring soon', ...(hasFraming ? ['framing'] : []), ''];
    return h('div', {},
      h('h2', {}, 'KeyPackages'),
      h('p', { class: 'muted' }, `Low pool: fewer than ${kp.low_pool_threshold} available (the mls_gateway_keypackage_low_pool_owners rule). Expiring soon: within ${Math.round(kp.expiring_soon_seconds / 3600)} h.`),
      table(headers, owners.map((o) => [label(o.owner), o.available, o.claimed, o.expiring_soon,
        ...(hasFraming ? [o.framing ? Object.entries(o.framing).map(([f, n]) => `${f}: ${n}`).join(', ') : '—'] : []),
        o.low ? h('span', { class: 'badge low' }, 'low pool') : '']), (i) => ({ class: owners[i].low ? 'low' : null, 'data-owner': owners[i].owner })),
      without.length ? h('div', {}, h('h2', {}, 'Members with no KeyPackage published'), table(['member'], without.map((p) => [label(p.pubkey)]))) : null);
  },

  async groups() {
    const g = await api('GET', '/api/v1/mls/admin/groups');
    const detail = h('div', { id: 'group-detail' });
    const open = async (id) => {
      const d = await api('GET', `/api/v1/mls/admin/groups/${encodeURIComponent(id)}`);
      detail.replaceChildren(h('h2', {}, `Group ${id}`),
        d.roster ? h('div', {}, h('p', {}, `Roster seq ${d.roster.seq}, owner `, h('span', { class: 'mono' }, short(d.roster.owner)), `, updated ${time(d.roster.updated_at)}`),
          table(['member', 'role'], d.roster.members.map((pk) => [h('span', { class: 'mono' }, pk), d.roster.admins.includes(pk) ? 'admin' : 'member']))) : h('p', { class: 'muted' }, 'No roster (open membership or none published).'),
        h('h2', {}, 'Roster history (kind 450)'),
        table(['seq', 'op', 'targets', 'by', 'at'], d.history.map((o) => [o.seq, o.op, o.targets.map(short).join(', '), h('span', { class: 'mono' }, short(o.author)), time(o.created_at)])));
    };
    return h('div', {},
      h('h2', {}, `Groups (${g.groups.length}), membership: ${g.membership}`),
      table(['group', 'first seen', 'last activity', 'messages', 'members', 'roster seq'], g.groups.map((x) => [h('button', { class: 'group', type: 'button', onclick: () => open(x.group_id) }, x.group_id), time(x.first_seen), time(x.last_activity), x.message_count, x.members ?? '—', x.roster_seq ?? '—'])),
      detail);
  },

  async config() {
    const c = await api('GET', '/api/v1/admin/config');
    return h('div', {},
      h('h2', {}, 'Configuration'),
      h('p', { class: 'muted' }, `File: ${c.file || '(none, defaults and environment only)'}. Secrets are redacted. "live" keys are applied by editing the file, without restart.`),
      table(['key', 'value', 'source', 'reload'], c.keys.map((k) => [h('span', { class: 'mono', title: k.description }, k.key), h('span', { class: 'mono' }, JSON.stringify(k.value)), h('span', { class: `badge ${k.source}` }, k.source), k.reloadable ? 'live' : 'restart'])));
  },
};

async function act(verb, ref, reason) {
  const pubkey = (ref || '').trim();
  if (!pubkey) return notice('Enter an npub or a 64-hex pubkey.', 'error');
  const q = reason && reason.trim() ? `?reason=${encodeURIComponent(reason.trim())}` : '';
  const path = { allow: `/api/v1/admin/members/${pubkey}${q}`, remove: `/api/v1/admin/members/${pubkey}`, ban: `/api/v1/admin/bans/${pubkey}${q}`, unban: `/api/v1/admin/bans/${pubkey}` }[verb];
  const method = verb === 'allow' || verb === 'ban' ? 'POST' : 'DELETE';
  try {
    const r = await api(method, path);
    const who = short(r.pubkey);
    const text = {
      allow: `Allowed ${who}.`,
      remove: `Removed the API allow of ${who}${r.allowed ? ' (still allowed by the config file)' : ''}.`,
      ban: () => `Banned ${who}: ${r.revoked.connections} live session${r.revoked.connections === 1 ? '' : 's'} revoked, ${r.revoked.subscriptions} subscription${r.revoked.subscriptions === 1 ? '' : 's'} closed.`,
      unban: `Unbanned ${who}${r.allowed ? '' : ' (not on the allowlist: allow it to let it in)'}.`,
    }[verb];
    await show('members');
    notice(typeof text === 'function' ? text() : text, 'ok');
  } catch (err) {
    notice(`${verb} failed: ${err.message}`, 'error');
  }
}

// ---- Start ----
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => (notice(''), show(b.dataset.page)));
$('signin-nip07').addEventListener('click', signInNip07);
const link = new URLSearchParams(location.hash.slice(1)).get('link');
if (link) void signInWithLink(link);
else if (sessionStorage.getItem(SESSION_KEY)) {
  state.mode = 'session';
  api('GET', '/api/v1/admin/whoami').then(signedIn, refuse);
}
