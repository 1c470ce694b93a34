// Sign-up, sign-in, sign-out and the signed-in user. The session travels only in the HttpOnly
// auth_session cookie, set and cleared here through Set-Cookie.
import {
  type AttemptSource,
  AuthError,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordWeakness,
  type SignedInResult,
} from "@agent-access/auth";
import { endTicketsOfHostUser } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { RequestContext } from "../context.ts";
import { tooManyRequests } from "../rate-limited.ts";
import { createTRPCRouter, publicProcedure, userProcedure } from "../trpc.ts";

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z
      .email("Enter an email address such as ada@example.com")
      .max(254, "Use at most 254 characters"),
  );

const signUpInput = z
  .object({
    name: z.string().trim().min(1, "Enter your name").max(100, "Use at most 100 characters"),
    email,
    password: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`),
  })
  // Strength last, beside the field, saying why: a long but common password is refused too.
  .superRefine((input, ctx) => {
    const weakness = passwordWeakness(input.password, [input.email, input.name]);
    if (weakness) ctx.addIssue({ code: "custom", path: ["password"], message: weakness });
  });

const signInInput = z.object({
  email,
  password: z
    .string()
    .min(1, "Enter your password")
    .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`),
});

function attemptSource(ctx: RequestContext): AttemptSource {
  return { ip: ctx.clientIp, cookieHeader: ctx.req.headers.get("cookie") };
}

/** The HTTP error for a refused sign-up or sign-in. */
function refusal(ctx: RequestContext, error: AuthError): TRPCError {
  switch (error.code) {
    case "invalid_credentials":
      return new TRPCError({ code: "UNAUTHORIZED", message: error.message });
    case "email_taken":
      return new TRPCError({ code: "CONFLICT", message: error.message });
    case "rate_limited":
      return tooManyRequests(ctx.resHeaders, error.retryAfterMs ?? 60_000, error.message);
  }
}

/** Runs a sign-up or sign-in and hands its session to the browser in the cookie. */
async function startSignIn(ctx: RequestContext, attempt: () => Promise<SignedInResult>) {
  try {
    const { user, setCookie } = await attempt();
    ctx.resHeaders.append("Set-Cookie", setCookie);
    return { user };
  } catch (error) {
    throw error instanceof AuthError ? refusal(ctx, error) : error;
  }
}

export const authRouter = createTRPCRouter({
  /** Creates an account and signs it in. CONFLICT when the email is taken. */
  signUp: publicProcedure
    .input(signUpInput)
    .mutation(({ ctx, input }) =>
      startSignIn(ctx, () => ctx.auth.signUp(input, attemptSource(ctx))),
    ),

  /** Signs in. One generic UNAUTHORIZED for a wrong password and an unknown email alike. */
  signIn: publicProcedure
    .input(signInInput)
    .mutation(({ ctx, input }) =>
      startSignIn(ctx, () => ctx.auth.signIn(input, attemptSource(ctx))),
    ),

  /** Ends this browser's session, if any, and clears its cookie. Safe to call signed out. */
  signOut: publicProcedure.mutation(async ({ ctx }) => {
    const signIn = await ctx.getSignIn();
    const cleared = signIn ? await ctx.auth.signOut(signIn.sessionId) : ctx.auth.blankCookie();
    ctx.resHeaders.append("Set-Cookie", cleared);
  }),

  /**
   * Ends every session of the signed-in user, on every device, and the agent sessions the host
   * app minted for them (static ones included: they do not follow a sign-in by themselves).
   */
  signOutEverywhere: userProcedure.mutation(async ({ ctx }) => {
    ctx.resHeaders.append("Set-Cookie", await ctx.auth.signOutEverywhere(ctx.user.id));
    await endTicketsOfHostUser(ctx.db, ctx.user.id, ctx.now());
  }),

  /** The signed-in user; UNAUTHORIZED when signed out. */
  me: userProcedure.query(({ ctx }) => ctx.user),
});
