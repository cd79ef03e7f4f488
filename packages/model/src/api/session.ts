import { z } from 'zod';

/** What `/api/session` answers to anyone: whether to show set-password, sign-in or the wizard. */
export const SessionStateSchema = z.object({
  passwordSet: z.boolean(),
  signedIn: z.boolean(),
  /** Present while signed in: send it as `x-csrf-token` on every state-changing request. */
  csrfToken: z.string().optional(),
});
export type SessionState = z.infer<typeof SessionStateSchema>;

/** The shortest operator password the server accepts. */
export const MIN_OPERATOR_PASSWORD_LENGTH = 12;
