// A real OpenID Connect provider (npm `oidc-provider` 9.x) for the Python test-suite.
//
// Started as `node tests/oidc/provider.mjs`; configured only through the environment:
//   OIDC_PORT        port to listen on, 127.0.0.1 only (0 picks a free one; READY tells the issuer)
//   OIDC_ISSUER      issuer identifier, default http://127.0.0.1:<port> (no path component)
//   OIDC_CLIENTS     JSON array of client metadata
//   OIDC_ACCOUNTS    JSON object accountId -> claims object
//   OIDC_RESOURCE    audience of the JWT access tokens (resource indicator)
//   OIDC_TTL_ACCESS  access token lifetime in seconds, default 600
//   OIDC_CLAIMS_SCOPE the scope that releases the business claims (division, roles,
//                    org_credit_code), default "hrm"
//   OIDC_CONFORM     "1": strictly conforming (conformIdTokenClaims), so the ID token of the
//                    code flow carries no scope claims; they come only from userinfo
//
// No human is involved: the interaction step signs in the account named by `login_hint`
// and grants whatever the client asked for. Test-only extras on the same listener:
//   GET  /__admin/health  -> 200 "ok"
//   POST /__admin/rotate  -> {"kid": "<new kid>"}; a new RSA key signs from now on, the old
//                            ones stay published in the JWKS.
// Prints exactly one line "READY <issuer>" on stdout once it accepts requests.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider, { errors, interactionPolicy } from 'oidc-provider';
// oidc-provider's own in-memory adapter; one factory (so one store) for every Provider
// instance, so sessions, grants and tokens survive a key rotation.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

function jsonEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    return fail(`${name} is required`);
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    return fail(`${name} is not valid JSON: ${err.message}`);
  }
}

function positiveIntEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) fail(`${name} must be a positive integer`);
  return value;
}

// ---------------------------------------------------------------- configuration

const PORT = Number(process.env.OIDC_PORT ?? '');
if (process.env.OIDC_PORT === undefined || !Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  fail('OIDC_PORT must be a port number (0 for any free port)');
}

const CLIENTS = jsonEnv('OIDC_CLIENTS');
if (!Array.isArray(CLIENTS) || CLIENTS.length === 0) fail('OIDC_CLIENTS must be a non-empty JSON array');

const ACCOUNTS = jsonEnv('OIDC_ACCOUNTS');
if (ACCOUNTS === null || typeof ACCOUNTS !== 'object' || Array.isArray(ACCOUNTS)) {
  fail('OIDC_ACCOUNTS must be a JSON object accountId -> claims');
}
for (const [id, claims] of Object.entries(ACCOUNTS)) {
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    fail(`OIDC_ACCOUNTS[${JSON.stringify(id)}] must be an object of claims`);
  }
}

const RESOURCE = process.env.OIDC_RESOURCE;
if (!RESOURCE) fail('OIDC_RESOURCE is required');
// oidc-provider only accepts absolute URIs as resource indicators (the `resource` request
// parameter). The token audience may be any string, so a non-URI OIDC_RESOURCE (say
// "hrm-plugin") is still the `aud`; clients then must not send `resource` and get it by default.
const RESOURCE_INDICATOR = URL.parse(RESOURCE) ? RESOURCE : `urn:oidc-test:resource:${encodeURIComponent(RESOURCE)}`;

const TTL_ACCESS = positiveIntEnv('OIDC_TTL_ACCESS', 600);
const CLAIMS_SCOPE = process.env.OIDC_CLAIMS_SCOPE || 'hrm';
if (!/^[A-Za-z0-9_:.-]+$/.test(CLAIMS_SCOPE)) fail('OIDC_CLAIMS_SCOPE must be a scope token');
const CONFORM = process.env.OIDC_CONFORM === '1';

// Claims the provider hands out, by scope; the same ones go into the JWT access token.
// amr says how the user signed in (an ID token claim of the login), so it goes with openid.
const CLAIMS = {
  openid: ['sub', 'amr'],
  profile: ['name'],
  [CLAIMS_SCOPE]: ['division', 'roles', 'org_credit_code'],
};
const TOKEN_CLAIMS = ['name', 'division', 'roles', 'org_credit_code', 'amr'];
const RESOURCE_SCOPE = 'hrm';

function account(id) {
  return typeof id === 'string' && Object.hasOwn(ACCOUNTS, id) ? ACCOUNTS[id] : undefined;
}

function pickClaims(claims) {
  const out = {};
  for (const name of TOKEN_CLAIMS) {
    if (Object.hasOwn(claims, name)) out[name] = claims[name];
  }
  return out;
}

function clientMetadata(client) {
  return {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  };
}

// ---------------------------------------------------------------- keys

function generateSigningKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: `k-${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}`,
    use: 'sig',
    alg: 'RS256',
  };
}

const COOKIE_KEYS = [crypto.randomBytes(32).toString('base64url')];
const ADAPTER = createMemoryAdapter();

// ---------------------------------------------------------------- provider

function htmlEscape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function buildPolicy() {
  const policy = interactionPolicy.base();
  // A new login_hint naming another account than the one signed in forces a new login,
  // so one cookie jar can switch accounts the way a person would.
  policy.get('login').checks.add(new interactionPolicy.Check(
    'login_hint_mismatch',
    'login_hint names another account than the signed-in one',
    (ctx) => {
      const hint = ctx.oidc.params.login_hint;
      const current = ctx.oidc.session.accountId;
      if (hint && current && hint !== current) return interactionPolicy.Check.REQUEST_PROMPT;
      return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    },
  ));
  return policy;
}

function buildProvider(issuer, keys) {
  const configuration = {
    adapter: ADAPTER,
    clients: CLIENTS.map(clientMetadata),
    jwks: { keys },
    cookies: { keys: COOKIE_KEYS },
    claims: CLAIMS,
    scopes: [...new Set(['openid', 'offline_access', 'profile', RESOURCE_SCOPE, CLAIMS_SCOPE])],
    responseTypes: ['code'],
    conformIdTokenClaims: CONFORM,
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    // The back-channel logout goes to the plugin on 127.0.0.1, which oidc-provider's SSRF guard
    // (its dispatcher refuses special-use addresses) would stop: this provider only ever talks
    // to the test's own loopback servers.
    fetch: (url, options) => {
      const { dispatcher: _ssrfGuard, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
    async findAccount(_ctx, sub) {
      const claims = account(sub);
      if (!claims) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { ...claims, sub };
        },
      };
    },
    async extraTokenClaims(_ctx, token) {
      const claims = account(token.accountId);
      return claims ? pickClaims(claims) : undefined;
    },
    // Refresh tokens whenever the client may use them (no offline_access needed).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: {
      policy: buildPolicy(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      // Ends the plugin's sessions when the user signs out here (client metadata
      // backchannel_logout_uri, backchannel_logout_session_required).
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => {
          if (oneOf) return oneOf.includes(RESOURCE_INDICATOR) ? RESOURCE_INDICATOR : oneOf[0];
          return RESOURCE_INDICATOR;
        },
        // A token request without `resource` gets a token for userinfo (the plugin's login
        // reads claims there); a client that names the resource gets the JWT access token.
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator !== RESOURCE_INDICATOR) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPE,
            audience: RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: TTL_ACCESS,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // Auto-confirm: the confirmation form already says logout=yes and submits itself.
        async logoutSource(ctx, form) {
          const auto = form.replace(
            '</form>',
            '<input type="hidden" name="logout" value="yes"/>'
            + '<noscript><button type="submit">Sign out</button></noscript></form>',
          );
          ctx.type = 'html';
          ctx.body = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Signing out</title>'
            + '<script>document.addEventListener("DOMContentLoaded", function () { document.forms[0].submit() });</script>'
            + `</head><body>${auto}</body></html>`;
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'text/plain; charset=utf-8';
          ctx.body = 'signed out\n';
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${Object.entries(out).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
    },
    ttl: {
      AccessToken: TTL_ACCESS,
      AuthorizationCode: 60,
      ClientCredentials: TTL_ACCESS,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  };

  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  provider.on('server_error', (_ctx, err) => {
    process.stderr.write(`oidc-provider server_error: ${err?.stack || err}\n`);
  });
  for (const event of ['authorization.error', 'grant.error', 'end_session.error', 'jwks.error',
    'backchannel.error']) {
    provider.on(event, (_ctx, err) => {
      process.stderr.write(`oidc-provider ${event}: ${err?.error || err?.name}: ${err?.error_description || err?.message}\n`);
    });
  }
  return provider;
}

// ---------------------------------------------------------------- interactions

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

async function handleInteraction(provider, req, res, uid) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (err) {
    return send(res, 400, `interaction not found: ${err.error_description || err.message}\n`);
  }
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch\n');

  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    const hint = params.login_hint;
    const claims = account(hint);
    if (!claims) {
      return send(res, 400, hint
        ? `unknown login_hint: ${hint}\n`
        : 'login_hint is required: this test provider signs in the account it names\n');
    }
    if (session?.accountId && session.accountId !== hint) {
      // Switching accounts: oidc-provider would first serve an auto-submitting form that
      // logs the old account out (needs JavaScript). Forget the old session here instead,
      // so a plain HTTP client following redirects lands on the new account.
      if (session.uid) {
        const old = await provider.Session.findByUid(session.uid);
        if (old) await old.destroy();
      }
      details.session = undefined;
      details.grantId = undefined;
      await details.persist();
    }
    const login = { accountId: hint };
    if (Array.isArray(claims.amr) && claims.amr.every((v) => typeof v === 'string')) {
      login.amr = claims.amr;
    }
    return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    if (missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    // Always grant the test resource's scope too, whatever was asked for.
    grant.addResourceScope(RESOURCE_INDICATOR, RESOURCE_SCOPE);
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }

  return send(res, 400, `unsupported prompt: ${prompt.name}\n`);
}

// ---------------------------------------------------------------- server

let issuer;
let keys = [];
let current; // { provider, callback }

function install(newKeys) {
  const provider = buildProvider(issuer, newKeys);
  current = { provider, callback: provider.callback() };
  keys = newKeys;
}

async function route(req, res) {
  const { pathname } = new URL(req.url, 'http://127.0.0.1');

  if (pathname === '/__admin/health') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    return send(res, current ? 200 : 503, current ? 'ok' : 'starting');
  }
  if (!current) return send(res, 503, 'starting\n');

  if (pathname === '/__admin/rotate') {
    if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
    req.resume();
    const key = generateSigningKey();
    install([key, ...keys]);
    process.stderr.write(`provider.mjs: rotated signing key, now ${key.kid} (${keys.length} published)\n`);
    return send(res, 200, JSON.stringify({ kid: key.kid }), 'application/json');
  }

  const match = /^\/interaction\/([^/]+)\/?$/.exec(pathname);
  if (match) return handleInteraction(current.provider, req, res, match[1]);

  return current.callback(req, res);
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => {
    process.stderr.write(`provider.mjs: ${err?.stack || err}\n`);
    if (!res.headersSent) send(res, 500, 'internal error\n');
    else res.destroy();
  });
});

server.on('error', (err) => fail(`cannot listen on 127.0.0.1:${PORT}: ${err.message}`));

server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`;
  let parsed;
  try {
    parsed = new URL(issuer);
  } catch {
    fail(`OIDC_ISSUER is not a URL: ${issuer}`);
  }
  if (parsed.pathname !== '/' || issuer.endsWith('/')) {
    fail('OIDC_ISSUER must be scheme://host:port without a path or trailing slash');
  }
  try {
    install([generateSigningKey()]);
  } catch (err) {
    fail(`cannot configure oidc-provider: ${err?.stack || err}`);
  }
  process.stdout.write(`READY ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
