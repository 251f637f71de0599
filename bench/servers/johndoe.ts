/** The body Gatehouse returns for the demo user johndoe. */
export const JOHNDOE = {
  username: "johndoe",
  email: "johndoe@example.com",
  email_verified: false,
  full_name: "John Doe",
  disabled: false,
  scopes: ["me"],
  mfa_enabled: false,
};
