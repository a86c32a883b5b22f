// Preloaded (`node --import`) into an avmon process a test starts against fauxqs: fauxqs names its queues on
// sqs.<region>.localhost, and *.localhost is loopback (RFC 6761), which this machine's resolver does not know.
import { interceptLocalhostDns } from "fauxqs";

interceptLocalhostDns();
