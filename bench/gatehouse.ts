import { GATEHOUSE_BIN } from "./paths.js";
import { type ServerProcess, startServerProcess } from "./processes.js";
import { JOHNDOE } from "./servers/johndoe.js";

/** Starts `gatehouse serve` on a free port of 127.0.0.1, as a user would. */
export function startGatehouse(
  databaseUrl: string,
  nodeFlags: string[] = [],
  name = "gatehouse",
  env: NodeJS.ProcessEnv = {},
  serveFlags: string[] = [],
): Promise<ServerProcess> {
  return startServerProcess({
    name,
    args: [
      ...nodeFlags,
      GATEHOUSE_BIN,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--database",
      databaseUrl,
      ...serveFlags,
    ],
    ready: /Gatehouse listening on (http:\/\/[^\s]+)/,
    env,
  });
}

/** The form body of a password-grant login. */
export function loginBody(username: string, password: string): string {
  return new URLSearchParams({ grant_type: "password", username, password }).toString();
}

/** The headers of a login request. */
export const LOGIN_HEADERS = { "content-type": "application/x-www-form-urlencoded" };

/** Logs in over HTTP and returns the access token. */
export async function fetchToken(baseUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/token`, {
    method: "POST",
    headers: LOGIN_HEADERS,
    body: loginBody(username, password),
  });
  const body = (await response.json()) as { access_token?: unknown };
  if (response.status !== 200 || typeof body.access_token !== "string") {
    throw new Error(`login as ${username} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.access_token;
}

/** Checks that the token reads the profile, so a broken setup fails loudly instead of measuring 401s. */
export async function checkProfile(baseUrl: string, token: string): Promise<void> {
  const response = await fetch(`${baseUrl}/users/me`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET /users/me answered ${response.status}: ${await response.text()}`);
  // johndoe's reply must be the baseline's bytes, or scenario 1 does not compare like with like.
  const body = await response.text();
  const { username } = JSON.parse(body) as { username?: string };
  if (username === JOHNDOE.username && body !== JSON.stringify(JOHNDOE))
    throw new Error(`GET /users/me answered ${body}, not the baseline's body`);
}
