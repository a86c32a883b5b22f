import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";

type Item = Record<string, unknown>;

/**
 * A DynamoDB table in memory behind aws-sdk-client-mock, understanding the condition and update expressions
 * avmon's edge functions use (and failing loudly on any other), so the stores run their real code paths.
 */
export function fakeJobTable() {
  const items = new Map<string, Item>();
  const mock = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
  const failCondition = () =>
    new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
  const holds = (condition: string | undefined, item: Item | undefined, values: Item = {}): boolean => {
    switch (condition) {
      case undefined:
        return true;
      case "attribute_not_exists(pk)":
        return item === undefined;
      case "rev = :rev":
        return item?.rev === values[":rev"];
      case "attribute_not_exists(pk) OR expiresAt < :now":
        return item === undefined || (item.expiresAt as number) < (values[":now"] as number);
      case "attribute_not_exists(pk) OR (attribute_not_exists(finished) AND leaseUntil < :now)":
        return (
          item === undefined ||
          (item.finished === undefined && (item.leaseUntil as number) < (values[":now"] as number))
        );
      default:
        throw new Error(`fake table does not understand condition: ${condition}`);
    }
  };
  mock.on(GetCommand).callsFake((input: GetCommandInput) => {
    const item = items.get(input.Key?.pk as string);
    return { Item: item ? structuredClone(item) : undefined };
  });
  mock.on(PutCommand).callsFake((input: PutCommandInput) => {
    const pk = input.Item?.pk as string;
    if (!holds(input.ConditionExpression, items.get(pk), input.ExpressionAttributeValues))
      throw failCondition();
    items.set(pk, structuredClone(input.Item as Item));
    return {};
  });
  mock.on(DeleteCommand).callsFake((input: DeleteCommandInput) => {
    items.delete(input.Key?.pk as string);
    return {};
  });
  mock.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const pk = input.Key?.pk as string;
    const values = input.ExpressionAttributeValues ?? {};
    if (!holds(input.ConditionExpression, items.get(pk), values)) throw failCondition();
    const item: Item = { ...(items.get(pk) ?? { pk }) };
    const [setPart = "", removePart] = (input.UpdateExpression ?? "").split(" REMOVE ");
    for (const assignment of setPart.replace(/^SET /, "").split(",")) {
      const [name = "", value = ""] = assignment.split("=").map((s) => s.trim());
      item[input.ExpressionAttributeNames?.[name] ?? name] = values[value];
    }
    for (const name of removePart?.split(",") ?? []) delete item[name.trim()];
    items.set(pk, item);
    return { Attributes: structuredClone(item) };
  });
  return { items, mock, client };
}
