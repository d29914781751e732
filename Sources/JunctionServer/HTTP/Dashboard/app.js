// Junction dashboard: a minimal WAMP v2 client (wamp.2.json) and a live view of one realm through
// the meta API. No dependencies and no build step, so the router can serve this file as it is,
// offline. Query string: ?url=ws://host:port/ws&realm=realm1[&authid=ID&ticket=SECRET]; every
// parameter may be given in the fragment instead (#ticket=SECRET), which the browser never sends.
'use strict';

const MSG = {
    HELLO: 1, WELCOME: 2, ABORT: 3, CHALLENGE: 4, AUTHENTICATE: 5, GOODBYE: 6, ERROR: 8,
    PUBLISH: 16, PUBLISHED: 17, SUBSCRIBE: 32, SUBSCRIBED: 33, EVENT: 36, CALL: 48, RESULT: 50,
};

/** An ERROR (or ABORT) from the router: its URI, args and kwargs. */
class WampError extends Error {
    constructor(uri, args, kwargs) {
        super(uri + (args && args.length ? ': ' + args.map(String).join(' ') : ''));
        this.uri = uri;
        this.args = args || [];
        this.kwargs = kwargs || {};
    }
}

/** One WAMP session over one WebSocket: HELLO/WELCOME (anonymous or ticket), CALL, SUBSCRIBE,
 *  PUBLISH, GOODBYE. Requests are promises keyed by request id. */
class WampSession {
    constructor(url, realm, auth) {
        this.url = url;
        this.realm = realm;
        this.auth = auth;
        this.nextRequest = 1;
        this.pending = new Map();   // request id -> {resolve, reject, kind, handler}
        this.handlers = new Map();  // subscription id -> [handler]
        this.onclose = null;
        this.closed = false;
    }

    open() {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(this.url, ['wamp.2.json']);
            this.ws = ws;
            this.welcome = { resolve, reject };
            ws.onopen = () => {
                const details = {
                    roles: {
                        caller: { features: { call_canceling: false } },
                        publisher: { features: { publisher_exclusion: true } },
                        subscriber: { features: { pattern_based_subscription: true } },
                    },
                    agent: 'junction-dashboard',
                };
                if (this.auth.ticket) {
                    details.authmethods = ['ticket'];
                    details.authid = this.auth.authid || '';
                } else if (this.auth.authid) {
                    details.authid = this.auth.authid;
                }
                this.send([MSG.HELLO, this.realm, details]);
            };
            ws.onmessage = (event) => this.receive(event.data);
            ws.onerror = () => {};  // onclose follows and says why
            ws.onclose = (event) => this.lost(event.reason || `connection closed (${event.code})`);
        });
    }

    send(message) {
        this.ws.send(JSON.stringify(message));
    }

    receive(text) {
        let message;
        try {
            message = JSON.parse(text);
        } catch (error) {
            return this.fail('protocol violation: a message that is not JSON');
        }
        if (!Array.isArray(message) || typeof message[0] !== 'number') {
            return this.fail('protocol violation: a message that is not a WAMP list');
        }
        if (this.welcome && ![MSG.WELCOME, MSG.CHALLENGE, MSG.ABORT].includes(message[0])) {
            return this.fail(`protocol violation: message type ${message[0]} before WELCOME`);
        }
        switch (message[0]) {
        case MSG.WELCOME:
            this.id = message[1];
            this.details = message[2] || {};
            if (this.welcome) this.welcome.resolve(this.details);
            this.welcome = null;
            break;
        case MSG.CHALLENGE:
            if (message[1] === 'ticket' && this.auth.ticket) {
                this.send([MSG.AUTHENTICATE, this.auth.ticket, {}]);
            } else {
                this.send([MSG.ABORT, {}, 'wamp.error.authentication_failed']);
            }
            break;
        case MSG.ABORT:
            if (this.welcome) this.welcome.reject(new WampError(message[2], [message[1] && message[1].message || '']));
            this.welcome = null;
            this.closed = true;
            this.ws.close();
            break;
        case MSG.GOODBYE:
            if (!this.closed) this.send([MSG.GOODBYE, {}, 'wamp.close.goodbye_and_out']);
            this.closed = true;
            this.ws.close();
            break;
        case MSG.RESULT:
        case MSG.SUBSCRIBED:
        case MSG.PUBLISHED:
            this.settle(message[1], (request) => {
                if (message[0] === MSG.RESULT) {
                    request.resolve({ args: message[3] || [], kwargs: message[4] || {} });
                } else if (message[0] === MSG.SUBSCRIBED) {
                    const handlers = this.handlers.get(message[2]) || [];
                    handlers.push(request.handler);
                    this.handlers.set(message[2], handlers);
                    request.resolve(message[2]);
                } else {
                    request.resolve(message[2]);
                }
            });
            break;
        case MSG.ERROR:
            this.settle(message[2], (request) => request.reject(new WampError(message[4], message[5], message[6])));
            break;
        case MSG.EVENT:
            for (const handler of this.handlers.get(message[1]) || []) {
                handler(message[4] || [], message[5] || {}, message[3] || {});
            }
            break;
        default:
            break;  // nothing else is addressed to a caller, publisher and subscriber
        }
    }

    settle(requestID, action) {
        const request = this.pending.get(requestID);
        if (!request) return;
        this.pending.delete(requestID);
        action(request);
    }

    request(build, handler) {
        return new Promise((resolve, reject) => {
            if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.welcome) {
                return reject(new Error('not connected'));
            }
            const id = this.nextRequest++;
            this.pending.set(id, { resolve, reject, handler });
            this.send(build(id));
        });
    }

    call(procedure, args = [], kwargs = {}) {
        return this.request((id) => [MSG.CALL, id, {}, procedure, args, kwargs]);
    }

    subscribe(topic, handler, options = {}) {
        return this.request((id) => [MSG.SUBSCRIBE, id, options, topic], handler);
    }

    /** Resolves with the publication id when acknowledged, at once otherwise. */
    publish(topic, args = [], kwargs = {}, options = {}) {
        if (options.acknowledge) return this.request((id) => [MSG.PUBLISH, id, options, topic, args, kwargs]);
        this.send([MSG.PUBLISH, this.nextRequest++, options, topic, args, kwargs]);
        return Promise.resolve(null);
    }

    leave() {
        if (this.closed || !this.ws) return;
        this.closed = true;
        try { this.send([MSG.GOODBYE, {}, 'wamp.close.close_realm']); } catch (error) { /* already gone */ }
    }

    /** The spec's answer to a protocol violation: ABORT, then close (browsers may only close
     *  with 1000 or an application code). */
    fail(reason) {
        console.warn(`dashboard: ${reason}; aborting the session`);
        try {
            this.send([MSG.ABORT, { message: reason }, 'wamp.error.protocol_violation']);
        } catch (error) { /* already gone */ }
        this.ws.close(1000);
        this.lost(reason);
    }

    lost(reason) {
        if (this.welcome) this.welcome.reject(new Error(reason));
        this.welcome = null;
        for (const request of this.pending.values()) request.reject(new Error(reason));
        this.pending.clear();
        const onclose = this.onclose;
        this.onclose = null;
        if (onclose) onclose(reason);
    }
}

// MARK: configuration

/** The query string's parameters, overridden by the fragment's: a ticket after `#` stays out of
 *  HTTP requests and so out of access logs. */
const params = new URLSearchParams(location.search);
for (const [name, value] of new URLSearchParams(location.hash.replace(/^#/, ''))) params.set(name, value);
const config = {
    url: params.get('url')
        || (location.protocol === 'https:' ? 'wss://' : 'ws://') + (location.host || '127.0.0.1:8080') + '/ws',
    realm: params.get('realm') || 'realm1',
    authid: params.get('authid') || '',
    ticket: params.get('ticket') || '',
    /** The router has no counter procedure yet: the page counts the events it sees through one
     *  wildcard subscription per URI length (a wildcard matches URIs with exactly its number of
     *  components), i.e. every publication to topics of up to this many components. */
    probeDepth: params.get('probe') === 'off' ? 0 : 12,
    historySeconds: 60,
};

// MARK: state

const state = {
    session: null,
    sessions: new Map(),       // session id -> details
    subscriptions: new Map(),  // id -> {id, uri, match, created, count}
    registrations: new Map(),  // id -> {id, uri, match, invoke, created, count}
    nodes: null,               // the cluster's nodes (junction.cluster.nodes), null: not clustered
    own: new Set(),            // ids of this page's own subscriptions
    seen: { app: 0, meta: 0 },
    series: { app: [], meta: [] },
    samples: 0,                // samples taken since the page loaded (one a second)
    notes: [],                 // what this page may not see (a meta procedure or topic refused)
    ready: false,              // subscribed to the meta events and loaded the lists
    attempts: 0,
    retryDelay: 1000,
};

const $ = (id) => document.getElementById(id);

function setStatus(text, kind) {
    const status = $('status');
    status.textContent = text;
    status.dataset.state = kind;
}

// MARK: connection and meta API

async function connect() {
    state.sessions.clear();
    state.subscriptions.clear();
    state.registrations.clear();
    state.own.clear();
    state.notes = [];
    state.ready = false;
    state.attempts++;
    render();
    setStatus(`connecting to ${config.url}\u2026`, 'connecting');
    const session = new WampSession(config.url, config.realm, { authid: config.authid, ticket: config.ticket });
    session.onclose = (reason) => {
        if (state.session === session) state.session = null;
        const delay = state.retryDelay;
        state.retryDelay = Math.min(delay * 2, 15000);
        setStatus(`disconnected: ${reason}; retrying in ${Math.round(delay / 1000)} s`, 'down');
        setTimeout(connect, delay);
    };
    try {
        const details = await session.open();
        state.session = session;
        state.retryDelay = 1000;
        pollNodes();
        setStatus(`${config.realm} \u00b7 session ${session.id} \u00b7 ${details.authid} (${details.authrole})`, 'up');
        await follow(session);
    } catch (error) {
        if (!(error instanceof WampError)) return;  // the connection went: onclose retries
        // The router refused the session (ABORT): trying again would only repeat the refusal and
        // count towards the address's failed-login limit.
        session.onclose = null;
        setStatus(`refused: ${error.message} (reload the page to try again)`, 'down');
    }
}

/** Subscribes to the meta events first and lists afterwards, so nothing that happens in between
 *  is missed: a listed item's details come from `get`, and events about ids not yet known are
 *  ignored until their `get` answers. */
async function follow(session) {
    const on = async (topic, handler, options, what = `no live updates from ${topic}`) => {
        try {
            state.own.add(await session.subscribe(topic, handler, options));
            return true;
        } catch (error) {
            note(`${what}: ${error.uri || error.message}`);
            return false;
        }
    };
    await on('wamp.session.on_join', ([details]) => {
        if (details && details.session) state.sessions.set(details.session, details);
        render();
    });
    await on('wamp.session.on_leave', ([id]) => { state.sessions.delete(id); render(); });
    for (const kind of ['subscription', 'registration']) {
        const table = kind === 'subscription' ? state.subscriptions : state.registrations;
        const [added, removed] = kind === 'subscription'
            ? ['on_subscribe', 'on_unsubscribe'] : ['on_register', 'on_unregister'];
        await on(`wamp.${kind}.on_create`, ([, details]) => {
            if (details && details.id) table.set(details.id, { ...details, count: 0 });
            render();
        });
        await on(`wamp.${kind}.${added}`, ([, id]) => { bump(table, id, 1); });
        await on(`wamp.${kind}.${removed}`, ([, id]) => { bump(table, id, -1); });
        await on(`wamp.${kind}.on_delete`, ([, id]) => { table.delete(id); render(); });
    }
    const count = (args, kwargs, details) => {
        if (String(details.topic || '').startsWith('wamp.')) state.seen.meta++; else state.seen.app++;
    };
    for (let depth = 1; depth <= config.probeDepth; depth++) {
        if (!await on('.'.repeat(depth - 1), count, { match: 'wildcard' }, 'no message rate')) break;
    }
    const load = (what, promise) => promise.catch(
        (error) => note(`cannot list ${what}: ${error.uri || error.message}`));
    await Promise.all([
        load('sessions', loadSessions(session)),
        load('subscriptions', loadTable(session, 'subscription')),
        load('registrations', loadTable(session, 'registration')),
    ]);
    state.ready = true;
    render();
}

/** Something the page's role may not see; shown under the header. */
function note(text) {
    state.notes.push(text);
    render();
}

function bump(table, id, delta) {
    const item = table.get(id);
    if (item) item.count = Math.max(0, item.count + delta);
    render();
}

async function loadSessions(session) {
    const { args: [ids] } = await session.call('wamp.session.list');
    await Promise.all((ids || []).map(async (id) => {
        try {
            const { args: [details] } = await session.call('wamp.session.get', [id]);
            state.sessions.set(id, details);
        } catch (error) { /* left in between: no_such_session */ }
    }));
}

async function loadTable(session, kind) {
    const table = kind === 'subscription' ? state.subscriptions : state.registrations;
    const counter = kind === 'subscription' ? 'count_subscribers' : 'count_callees';
    const { args: [lists] } = await session.call(`wamp.${kind}.list`);
    const ids = [].concat(lists.exact || [], lists.prefix || [], lists.wildcard || []);
    await Promise.all(ids.map(async (id) => {
        try {
            const [{ args: [details] }, { args: [count] }] = await Promise.all([
                session.call(`wamp.${kind}.get`, [id]), session.call(`wamp.${kind}.${counter}`, [id])]);
            table.set(id, { ...details, count });
        } catch (error) { /* deleted in between */ }
    }));
}

// MARK: rendering

let renderQueued = false;

function render() {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(() => {
        renderQueued = false;
        renderSessions();
        renderSubscriptions();
        renderRegistrations();
        $('notes').textContent = state.notes.join('\n');
    }, 50);
}

function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) td.className = className;
    return td;
}

function fillTable(id, rows, columns) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    for (const item of rows) {
        const row = body.insertRow();
        row.dataset.id = String(item.key);
        columns(item).forEach((value) => cell(row, value));
        if (item.mine) row.className = 'mine';
    }
}

/** Junction reports `transport.type` as `kind/serializer address` (e.g. `websocket/json 127.0.0.1:5555`). */
function parseTransport(transport) {
    const given = transport && typeof transport === 'object' ? transport : { type: transport };
    const text = String(given.type || '');
    const match = /^([^/\s]+)(?:\/(\S+))?(?:\s+(.*))?$/.exec(text) || [];
    return {
        kind: match[1] || text, serializer: given.serializer || match[2] || '', peer: given.peer || match[3] || '',
    };
}

function since(details) {
    const joined = details.joined || details.created;
    if (!joined) return '';
    const date = new Date(joined);
    if (isNaN(date)) return String(joined);
    const today = date.toDateString() === new Date().toDateString();
    return today ? date.toLocaleTimeString() : date.toLocaleString();
}

function renderSessions() {
    const rows = [...state.sessions.values()].sort((a, b) => a.session - b.session)
        .map((details) => ({
            ...details, key: details.session, mine: !!state.session && details.session === state.session.id,
        }));
    fillTable('sessions', rows, (details) => {
        const transport = parseTransport(details.transport);
        return [details.session + (details.mine ? ' (this page)' : ''), details.authid, details.authrole,
            details.authmethod, transport.kind, transport.serializer, transport.peer, since(details)];
    });
    $('count-sessions').textContent = state.sessions.size;
}

/** This page's own subscriptions (meta events, the rate probe) are left out unless shared. */
function visibleSubscriptions() {
    return [...state.subscriptions.values()]
        .map((item) => ({ ...item, key: item.id, shown: item.count - (state.own.has(item.id) ? 1 : 0) }))
        .filter((item) => !state.own.has(item.id) || item.shown > 0)
        .sort((a, b) => String(a.uri).localeCompare(String(b.uri)));
}

function renderSubscriptions() {
    const rows = visibleSubscriptions();
    fillTable('subscriptions', rows, (item) => [item.id, item.uri, item.match, item.shown]);
    $('count-subscriptions').textContent = rows.length;
}

function renderRegistrations() {
    const rows = [...state.registrations.values()].map((item) => ({ ...item, key: item.id }))
        .sort((a, b) => String(a.uri).localeCompare(String(b.uri)));
    fillTable('registrations', rows, (item) => [item.id, item.uri, item.match, item.invoke, item.count]);
    $('count-registrations').textContent = rows.length;
}

/** The cluster's nodes, every few seconds: a router that is not part of a cluster answers
 *  no_such_procedure and the panel stays hidden. */
async function pollNodes() {
    const session = state.session;
    if (!session) return;
    try {
        const { args: [nodes] } = await session.call('junction.cluster.nodes');
        state.nodes = Array.isArray(nodes) ? nodes : null;
    } catch (error) {
        state.nodes = null;
    }
    renderNodes();
}

function renderNodes() {
    $('nodes-panel').hidden = state.nodes === null;
    fillTable('nodes', (state.nodes || []).map((node) => ({ ...node, key: node.node, mine: !!node.self })),
        (node) => [node.node + (node.self ? ' (this node)' : ''), node.sessions,
            node.self ? 'now' : `${node.last_heartbeat_ms} ms ago`, node.ready ? 'yes' : 'no']);
}

// MARK: rate chart

function sample() {
    state.samples++;
    for (const name of ['app', 'meta']) {
        const points = state.series[name];
        points.push(state.seen[name]);
        state.seen[name] = 0;
        if (points.length > config.historySeconds) points.shift();
    }
    drawChart();
}

function drawChart() {
    const canvas = $('rate-chart');
    // Draw at the element's displayed size (and the screen's pixel density) so text stays sharp.
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = Math.max(300, Math.round(canvas.clientWidth || 720));
    if (canvas.width !== Math.round(cssWidth * ratio)) {
        canvas.width = Math.round(cssWidth * ratio);
        canvas.height = Math.round(160 * ratio);
    }
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(document.body);
    const color = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    const width = canvas.width / ratio;
    const height = canvas.height / ratio;
    const pad = { left: 40, right: 8, top: 8, bottom: 18 };
    const all = state.series.app.concat(state.series.meta);
    // The axis ends at the next 1, 2 or 5 times a power of ten, so its labels stay round.
    const peak = Math.max(5, ...all);
    const power = 10 ** Math.floor(Math.log10(peak));
    const top = [1, 2, 5, 10].map((step) => step * power).find((value) => value >= peak);
    const x = (index) => pad.left + (width - pad.left - pad.right) * index / (config.historySeconds - 1);
    const y = (value) => height - pad.bottom - (height - pad.top - pad.bottom) * value / top;

    context.clearRect(0, 0, width, height);
    context.strokeStyle = color('--grid', '#ddd');
    context.fillStyle = color('--muted', '#777');
    context.font = '11px system-ui, sans-serif';
    context.lineWidth = 1;
    for (const value of [0, top / 2, top]) {
        context.beginPath();
        context.moveTo(pad.left, y(value));
        context.lineTo(width - pad.right, y(value));
        context.stroke();
        context.fillText(String(Math.round(value)), 4, y(value) + 4);
    }
    context.fillText(`\u2212${config.historySeconds} s`, pad.left, height - 4);
    context.fillText('now', width - pad.right - 22, height - 4);

    for (const [name, stroke] of [['meta', color('--meta', '#b9a')], ['app', color('--app', '#27c')]]) {
        const points = state.series[name];
        const offset = config.historySeconds - points.length;
        context.strokeStyle = stroke;
        context.lineWidth = name === 'app' ? 2 : 1.5;
        context.beginPath();
        points.forEach((value, index) => {
            if (index === 0) context.moveTo(x(offset + index), y(value));
            else context.lineTo(x(offset + index), y(value));
        });
        context.stroke();
    }
    canvas.dataset.points = JSON.stringify(state.series.app);
    const last = (name) => state.series[name][state.series[name].length - 1] || 0;
    $('rate-now').textContent = `now: ${last('app')} events/s, ${last('meta')} meta events/s`;
}

// MARK: slow-consumer drops

/** The sum of the `junction_*drop*_total` samples of a Prometheus exposition for `realm`: samples
 *  labelled with another realm, or with a `reason` that is not about slow consumers, are left
 *  out. `null` when there is no such series. */
function slowConsumerDrops(exposition, realm) {
    const sample = /^junction_[a-z0-9_]*drop[a-z0-9_]*_total(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)/;
    let dropped = null;
    for (const line of exposition.split('\n')) {
        const match = sample.exec(line);
        if (!match) continue;
        const labels = {};
        for (const [, name, value] of (match[1] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
            labels[name] = value;
        }
        if ('realm' in labels && labels.realm !== realm) continue;
        if ('reason' in labels && !labels.reason.includes('slow')) continue;
        const value = Number(match[2]);
        if (Number.isFinite(value)) dropped = (dropped || 0) + value;
    }
    return dropped;
}

/** Drops are not in the meta API; when the page is served by the router, next to its Prometheus
 *  endpoint, the page reads them from `/metrics`. */
async function pollDrops() {
    let dropped = null;
    try {
        const response = await fetch('/metrics', { cache: 'no-store' });
        if (response.ok) dropped = slowConsumerDrops(await response.text(), config.realm);
    } catch (error) { /* not served here */ }
    $('count-drops').textContent = dropped === null ? '\u2013' : String(dropped);
    $('drops-label').textContent = dropped === null ? 'slow-consumer drops (no /metrics here)' : 'slow-consumer drops';
}

// MARK: console

function parseJSON(text, kind, fallback) {
    if (!text.trim()) return fallback;
    const value = JSON.parse(text);
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    if (kind === 'list' ? !Array.isArray(value) : !isObject) {
        throw new Error(`must be a JSON ${kind}`);
    }
    return value;
}

function show(id, text, ok) {
    const output = $(id);
    output.textContent = text;
    output.dataset.ok = ok ? 'true' : 'false';
}

function describe(error) {
    if (error instanceof WampError) {
        return `error ${error.uri}\nargs: ${JSON.stringify(error.args)}\nkwargs: ${JSON.stringify(error.kwargs)}`;
    }
    return `error: ${error.message}`;
}

async function submitPublish(event) {
    event.preventDefault();
    let args, kwargs;
    try {
        args = parseJSON($('publish-args').value, 'list', []);
        kwargs = parseJSON($('publish-kwargs').value, 'object', {});
    } catch (error) {
        return show('publish-result', `invalid input: ${error.message}`, false);
    }
    if (!state.session) return show('publish-result', 'not connected', false);
    const acknowledge = $('publish-ack').checked;
    try {
        const id = await state.session.publish($('publish-topic').value.trim(), args, kwargs, { acknowledge });
        show('publish-result', acknowledge ? `published, id ${id}` : 'sent (not acknowledged)', true);
    } catch (error) {
        show('publish-result', describe(error), false);
    }
}

async function submitCall(event) {
    event.preventDefault();
    let args, kwargs;
    try {
        args = parseJSON($('call-args').value, 'list', []);
        kwargs = parseJSON($('call-kwargs').value, 'object', {});
    } catch (error) {
        return show('call-result', `invalid input: ${error.message}`, false);
    }
    if (!state.session) return show('call-result', 'not connected', false);
    try {
        const result = await state.session.call($('call-procedure').value.trim(), args, kwargs);
        show('call-result', `args: ${JSON.stringify(result.args)}\nkwargs: ${JSON.stringify(result.kwargs)}`, true);
    } catch (error) {
        show('call-result', describe(error), false);
    }
}

// MARK: start

function start() {
    $('realm-input').value = config.realm;
    $('realm-form').addEventListener('submit', (event) => {
        event.preventDefault();
        const next = new URLSearchParams(location.search);
        next.set('realm', $('realm-input').value.trim() || 'realm1');
        location.search = next.toString();
    });
    $('publish-form').addEventListener('submit', submitPublish);
    $('call-form').addEventListener('submit', submitCall);
    window.addEventListener('beforeunload', () => { if (state.session) state.session.leave(); });
    setInterval(sample, 1000);
    setInterval(pollDrops, 5000);
    setInterval(pollNodes, 2000);
    drawChart();
    pollDrops();
    connect();
}

/** For tests and the browser console. */
window.junctionDashboard = { state, config };

start();
