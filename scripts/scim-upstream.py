"""scim2-server as muster runs it locally: its own command line, with every answer saying
`Connection: close`.

Its wsgiref server answers in HTTP/1.0 and closes the connection after each answer without
saying so. workerd's HTTP client keeps such a connection for the next request, which then fails
with "Network connection lost" (2 to 7 % of requests sent back to back). The header says what an
HTTP/1.0 answer already implies (RFC 9112 §9.3), so workerd opens a new connection each time.
"""

import sys
import wsgiref.simple_server

from scim2_server.testserver.cli import main


class ClosingHandler(wsgiref.simple_server.ServerHandler):
    def cleanup_headers(self):
        super().cleanup_headers()
        # Set here, past start_response, which refuses hop-by-hop headers from the application.
        self.headers["Connection"] = "close"


wsgiref.simple_server.ServerHandler = ClosingHandler

if __name__ == "__main__":
    sys.exit(main())
