import { BUILT_IN_USER_FIELDS, type ProfileFields } from "../../core/index.js";
import {
  CreateUserBodySchema,
  PublicUserSchema,
  RegisterBodySchema,
  UpdateMeBodySchema,
  UpdateUserBodySchema,
  UserPageSchema,
} from "./schemas.js";

/**
 * The user routes' schemas for a Gatehouse's profile fields. Profile fields sit beside the
 * built-in ones, so with a profile the bodies and replies take members the fixed schemas do
 * not name: those are left to the core, which validates them with the profile's own schema
 * (Fastify's validator may coerce, and may not know the profile's JSON Schema draft). The
 * OpenAPI document shows the profile's fields all the same (`gatehouse serve` adds them).
 */
export function userSchemasFor(profile: ProfileFields | null) {
  if (profile === null) {
    return {
      publicUser: PublicUserSchema,
      userPage: UserPageSchema,
      createBody: CreateUserBodySchema,
      updateBody: UpdateUserBodySchema,
      updateMeBody: UpdateMeBodySchema,
      registerBody: RegisterBodySchema,
    };
  }
  const publicUser = { ...PublicUserSchema, additionalProperties: true };
  return {
    publicUser,
    userPage: {
      ...UserPageSchema,
      properties: { ...UserPageSchema.properties, users: { type: "array", items: publicUser } },
    },
    createBody: openBody(CreateUserBodySchema),
    updateBody: openBody(UpdateUserBodySchema),
    updateMeBody: openBody(UpdateMeBodySchema),
    registerBody: openBody(RegisterBodySchema),
  };
}

/** A body that takes profile fields too, but still no built-in field the route does not take (`scopes` in PATCH /users/me). */
function openBody<S extends { properties: Record<string, unknown> }>(schema: S) {
  const refused = BUILT_IN_USER_FIELDS.filter((name) => !(name in schema.properties));
  return { ...schema, additionalProperties: true, propertyNames: { not: { enum: refused } } };
}
