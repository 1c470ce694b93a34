// Small shared pieces of the host demo's UI: labelled fields with their errors, buttons, alerts.
import type { ComponentProps, ReactNode } from "react";

/** Focus ring shared by every interactive control, so keyboard focus is always visible. */
export const focusRing =
  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:focus-visible:outline-blue-400";

interface FieldProps extends ComponentProps<"input"> {
  name: string;
  label: string;
  /** Messages from the server's validation for this field, shown beside it. */
  errors?: string[];
  hint?: ReactNode;
}

export function Field({ name, label, errors, hint, ...input }: FieldProps) {
  const id = `field-${name}`;
  const invalid = Boolean(errors?.length);
  const describedBy = [hint && `${id}-hint`, invalid && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy || undefined}
        className={`rounded-md border bg-white px-3 py-2 text-neutral-900 dark:bg-neutral-900 dark:text-neutral-100 ${
          invalid
            ? "border-red-600 dark:border-red-400"
            : "border-neutral-300 dark:border-neutral-700"
        } ${focusRing}`}
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-neutral-600 dark:text-neutral-400">
          {hint}
        </p>
      )}
      {invalid && (
        <p id={`${id}-error`} className="text-sm text-red-700 dark:text-red-400">
          {errors!.join(" ")}
        </p>
      )}
    </div>
  );
}

export function Button({
  variant = "primary",
  className = "",
  ...props
}: ComponentProps<"button"> & { variant?: "primary" | "secondary" }) {
  const look =
    variant === "primary"
      ? "bg-blue-700 text-white hover:bg-blue-800 disabled:bg-blue-400 dark:bg-blue-500 dark:text-neutral-950 dark:hover:bg-blue-400"
      : "border border-neutral-300 hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800";
  return (
    <button
      type="button"
      className={`rounded-md px-4 py-2 text-sm font-medium disabled:cursor-not-allowed ${look} ${focusRing} ${className}`}
      {...props}
    />
  );
}

export function Alert({ children }: { children: ReactNode }) {
  return (
    <p
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      {children}
    </p>
  );
}

interface ServerError {
  message: string;
  data?: { zodError?: { fieldErrors: Partial<Record<string, string[]>> } | null } | null;
}

/** A mutation error split into its per-field messages and the message for the whole form. */
export function formErrors(error: ServerError | null) {
  const fieldErrors = error?.data?.zodError?.fieldErrors ?? {};
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  return {
    field: (name: string) => fieldErrors[name],
    form: error && !hasFieldErrors ? error.message : null,
  };
}
