// GraphiQL for the CRM service (app/graphiql.py serves this page and everything it loads).
//
// A company's schema holds its own custom fields, and the service answers introspection with the
// schema of the token's company (the base schema without a token). So the schema is fetched
// again whenever the Authorization header changes, and a token can come in the page's fragment
// (/graphql#token=...: a fragment never reaches the server or its logs).
(function () {
  "use strict";

  const DEFAULT_QUERY = `# GraphiQL for the CRM service.
#
# Put your bearer token in the Headers tab:
#   {"Authorization": "Bearer <token>"}
# The docs then show your company's schema
# with its own custom fields (fetched again
# when the token changes, and by the
# re-fetch button on the left).

query Me {
  me {
    email
    displayName
    roles
    permissions
  }
}
`;
  const SCHEMA_DELAY_MS = 400;

  const url = window.location.origin + window.location.pathname;
  const subscriptionUrl = url.replace(/^http/, "ws");

  function takeTokenFromFragment() {
    const token = new URLSearchParams(window.location.hash.slice(1)).get("token");
    if (token) {
      // Out of the address bar and the history as soon as it is read.
      history.replaceState(null, "", url + window.location.search);
    }
    return token;
  }

  // The Authorization header of the headers editor's text; undefined while it is no JSON object.
  function authorizationOf(text) {
    try {
      const headers = JSON.parse(text || "{}");
      if (headers === null || typeof headers !== "object") {
        return undefined;
      }
      return headers.Authorization || headers.authorization || "";
    } catch {
      return undefined;
    }
  }

  // HTTP for queries and mutations; graphql-transport-ws for subscriptions, with the headers
  // sent in connection_init's payload (where the service reads the token).
  function newFetcher() {
    return GraphiQL.createFetcher({ url, subscriptionUrl });
  }

  const token = takeTokenFromFragment();
  const headers = token
    ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2)
    : undefined;

  function CrmGraphiQL() {
    const [fetcher, setFetcher] = React.useState(newFetcher);
    // null: not known yet (GraphiQL may start with the headers it kept from the last visit).
    const authorization = React.useRef(headers === undefined ? null : authorizationOf(headers));
    const timer = React.useRef(null);

    // A new fetcher makes GraphiQL fetch the schema again, now with the new token.
    function onEditHeaders(text) {
      const next = authorizationOf(text);
      if (next === undefined || next === authorization.current) {
        return;
      }
      authorization.current = next;
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setFetcher(newFetcher), SCHEMA_DELAY_MS);
    }

    return React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      headers,
      onEditHeaders,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: "headers",
      inputValueDeprecation: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(CrmGraphiQL),
  );
})();
