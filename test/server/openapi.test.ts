import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestServer } from "../support/fixtures.js";

/** The parts of an OpenAPI 3.1 document these tests read. */
interface OpenApiDocument {
  openapi: string;
  components?: {
    securitySchemes?: Record<string, SecurityScheme>;
    schemas?: Record<string, unknown>;
  };
  paths: Record<string, Record<string, Operation>>;
}
interface SecurityScheme {
  type: string;
  flows?: { password?: { tokenUrl: string; scopes: Record<string, string> } };
}
interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const CDN = /unpkg|jsdelivr|cdnjs|googleapis|cloudflare|bootstrapcdn|https?:\/\/(?!127\.0\.0\.1|localhost)/i;

let app: FastifyInstance;
let doc: OpenApiDocument;

beforeAll(async () => {
  ({ app } = await createTestServer());
  const response = await app.inject({ method: "GET", url: "/openapi.json" });
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  doc = response.json<OpenApiDocument>();
});
afterAll(() => app.close());

/** Every operation of the document with its path and method. */
function operations(): Array<{ path: string; method: string; operation: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
}

/** A schema with every `#/components/schemas/…` reference in it followed, as JSON text. */
function expandedText(value: unknown, seen = new Set<string>()): string {
  const text = JSON.stringify(value) ?? "";
  const parts = [text];
  for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    parts.push(expandedText(doc.components?.schemas?.[decodeURIComponent(name)], seen));
  }
  return parts.join("\n");
}

describe("GET /openapi.json", () => {
  it("shows the account routes, under their own tag", () => {
    for (const path of ["/email/verify", "/password/reset", "/unlock"]) {
      expect((doc.paths[path]?.post as { tags?: string[] } | undefined)?.tags).toEqual(["accounts"]);
    }
  });

  it("is OpenAPI 3.1", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it("is the document Swagger UI loads", async () => {
    const ui = await app.inject({ method: "GET", url: "/docs/json" });
    expect(ui.statusCode).toBe(200);
    expect(ui.json()).toEqual(doc);
  });

  it("declares OAuth2PasswordBearer: an oauth2 password flow at the token route with every scope", () => {
    const scheme = doc.components?.securitySchemes?.OAuth2PasswordBearer;
    expect(scheme?.type).toBe("oauth2");
    const password = scheme?.flows?.password;
    expect(password?.tokenUrl).toBe("/token");
    expect(doc.paths[password?.tokenUrl ?? ""]?.post).toBeDefined();
    expect(Object.keys(password?.scopes ?? {})).toEqual(expect.arrayContaining(["me", "admin"]));
    for (const description of Object.values(password?.scopes ?? {})) expect(description).not.toBe("");
  });

  it.each(["/users/me", "/user/me"])("puts GET %s behind OAuth2PasswordBearer with scope me", (path) => {
    expect(doc.paths[path]?.get?.security).toEqual([{ OAuth2PasswordBearer: ["me"] }]);
  });

  it("names only declared schemes and scopes in every security requirement", () => {
    const schemes = doc.components?.securitySchemes ?? {};
    for (const { path, method, operation } of operations()) {
      for (const requirement of operation.security ?? []) {
        for (const [name, scopes] of Object.entries(requirement)) {
          expect(schemes[name], `${method.toUpperCase()} ${path} names ${name}`).toBeDefined();
          const declared = Object.keys(schemes[name]?.flows?.password?.scopes ?? {});
          expect(declared, `${method.toUpperCase()} ${path}`).toEqual(expect.arrayContaining(scopes));
        }
      }
    }
  });

  it("documents POST /token's form body", () => {
    const body = doc.paths["/token"]?.post?.requestBody;
    expect(Object.keys(body?.content ?? {})).toEqual(["application/x-www-form-urlencoded"]);
    const properties = body?.content["application/x-www-form-urlencoded"]?.schema.properties ?? {};
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(["username", "password", "grant_type", "scope"]));
    expect(properties.password).toMatchObject({ format: "password" });
  });

  it("documents POST /token's success and OAuth2 error responses", () => {
    const responses = doc.paths["/token"]?.post?.responses ?? {};
    const success = expandedText(responses["200"]?.content?.["application/json"]?.schema);
    for (const field of ["access_token", "token_type", "expires_in"]) expect(success).toContain(`"${field}"`);
    const failure = expandedText(responses["400"]?.content?.["application/json"]?.schema);
    for (const field of ["error", "error_description", "detail"]) expect(failure).toContain(`"${field}"`);
  });

  it("never shows a password hash in any response schema", () => {
    expect(operations().length).toBeGreaterThan(2);
    for (const { path, method, operation } of operations()) {
      expect(expandedText(operation.responses), `${method.toUpperCase()} ${path}`).not.toMatch(
        /hashed_password|password_hash|passwordHash|hashedPassword/i,
      );
    }
  });

  it("describes every response in words, not with a placeholder", () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.description, `${method.toUpperCase()} ${path} ${status}`).not.toMatch(/^(Default Response)?$/);
      }
    }
    expect(doc.paths["/users/me"]?.get?.responses["200"]?.description).toBe("Successful Response");
  });

  it("has a token route that answers the password flow as Swagger UI sends it", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/token",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: "Basic Og==" },
      payload: "grant_type=password&username=johndoe&password=secret&scope=",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ token_type: "bearer", scope: "me" });
  });
});

describe("GET /docs", () => {
  it.each(["/docs", "/docs/"])("%s is Swagger UI's HTML from this server, with no CDN", async (url) => {
    const response = await app.inject({ method: "GET", url });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<div id="swagger-ui">/);
    expect(response.body).not.toMatch(CDN);
    const sources = [...response.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source).toMatch(/^(\.\/|\/docs\/)static\//);
  });

  it("serves Swagger UI's scripts and styles itself, and they load nothing from a CDN", async () => {
    for (const file of ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"]) {
      const response = await app.inject({ method: "GET", url: `/docs/static/${file}` });
      expect(response.statusCode, file).toBe(200);
    }
    const initializer = await app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(initializer.statusCode).toBe(200);
    expect(initializer.body).not.toMatch(/unpkg|jsdelivr|cdnjs/i);
    // No spec validator badge: it would call out to validator.swagger.io.
    expect(initializer.body).toMatch(/validatorUrl: null/);
  });

  it("sends a Content-Security-Policy that keeps the docs on this origin and works over plain HTTP", async () => {
    const response = await app.inject({ method: "GET", url: "/docs" });
    const csp = String(response.headers["content-security-policy"] ?? "");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/upgrade-insecure-requests|unsafe-eval|https:/);
  });
});
