import { RemovalPolicy } from "aws-cdk-lib";
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  type IVpc,
  SubnetType,
  Vpc,
} from "aws-cdk-lib/aws-ec2";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

export interface NetworkProps {
  /** Use this VPC (it needs private subnets with egress) instead of creating one. */
  readonly vpcId?: string;
  readonly logRetention: RetentionDays;
}

/** The VPC the core tasks run in: private subnets with NAT egress, since sources are fetched from anywhere. */
export class Network extends Construct {
  readonly vpc: IVpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.vpc = props.vpcId
      ? Vpc.fromLookup(this, "Vpc", { vpcId: props.vpcId })
      : this.createVpc(props.logRetention);
  }

  private createVpc(logRetention: RetentionDays): Vpc {
    const vpc = new Vpc(this, "Vpc", {
      ipAddresses: IpAddresses.cidr("10.40.0.0/16"),
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: "tasks", subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      // S3 traffic from tasks reading ingest objects stays off the NAT gateway.
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new LogGroup(this, "FlowLogs", {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog("FlowLog", {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }
}
