// A certified OpenID provider (panva's oidc-provider) for the single sign-on tests, on
// loopback only. Usage:
//   node provider.mjs PORT REDIRECT_URI CLIENT_ID [CLIENT_SECRET]
// One client: confidential (client_secret_basic) when a secret is given, else public (no
// client authentication). PKCE is required of it either way. Any login name signs in as the
// subject of that name: the test decides who someone is by what it types. The provider's own
// development pages (devInteractions) ask for the login and the consent. It prints
// "ready ISSUER" once it listens, and stops on SIGTERM.
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
if (!port || !redirectUri || !clientId) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI CLIENT_ID [CLIENT_SECRET]');
  process.exit(2);
}

const issuer = `http://localhost:${port}`;
const client = {
  client_id: clientId,
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  ...(clientSecret
    ? { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
    : { token_endpoint_auth_method: 'none' }),
};

const provider = new Provider(issuer, {
  clients: [client],
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id }; } };
  },
});

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
