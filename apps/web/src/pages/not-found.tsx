import { Link } from "react-router";
import { focusRing } from "../components/ui.tsx";

export function NotFoundPage() {
  return (
    <main className="mx-auto max-w-xl p-8">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2">
        <Link to="/" className={`rounded text-blue-700 underline dark:text-blue-400 ${focusRing}`}>
          Go to the start page
        </Link>
      </p>
    </main>
  );
}
