"""moto's server app, for slipway's tests, demo and benchmarks: `moto_launcher.py PORT
[--single-threaded]`.

Two corrections to moto, each for a behaviour real AWS has and moto lacks:
- --single-threaded: moto_server serves requests on many threads and then evaluates
  DynamoDB condition expressions without atomicity (concurrent conditional writes can both
  succeed), which real DynamoDB never allows; one thread restores that guarantee.
- CloudFormation: executing an UPDATE change set does not store the change set's parameters
  as the stack's (moto 5.x), so the next change set is compared with the parameters of the
  stack's creation and a rollback to them is wrongly reported as "no changes". The patch
  stores them, as CloudFormation does. It also fills in the stack's Outputs, which moto
  computes only when a stack is created or updated without a change set (so a stack made
  by a change set never shows any).
"""
import sys

from moto.cloudformation import models as cfn
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_execute = cfn.CloudFormationBackend.execute_change_set


def _execute_and_keep_parameters(self, change_set_name, stack_name=None):
    _execute(self, change_set_name, stack_name)
    for change_set in self.change_sets.values():
        if change_set_name in (change_set.change_set_id, change_set.change_set_name):
            stack = self.stacks[change_set.stack_id]
            stack.parameters = change_set.parameters
            stack._parse_template()
            stack.output_map = stack._create_output_map()


cfn.CloudFormationBackend.execute_change_set = _execute_and_keep_parameters

run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
           threaded="--single-threaded" not in sys.argv[2:], use_reloader=False)
