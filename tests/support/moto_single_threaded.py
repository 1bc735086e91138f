"""moto's server app on one thread. moto_server serves requests on many threads and then
evaluates DynamoDB condition expressions without atomicity (concurrent conditional writes
can both succeed), which real DynamoDB never allows; one thread restores that guarantee."""
import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False,
           use_reloader=False)
