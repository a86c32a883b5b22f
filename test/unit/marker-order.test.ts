import { describe, expect, it } from "vitest";
import { MarkerOrder } from "../../core-service/src/media/marker-order.ts";

describe("MarkerOrder", () => {
  it("lets a picture go on once its frame's marker has been read, and keeps later pictures behind it", () => {
    const order = new MarkerOrder();
    const handed: string[] = [];
    const picture = (name: string, index: number) => {
      if (order.ready(index)) handed.push(name);
      else order.wait(index, () => handed.push(name));
    };
    order.markerRead(); // frame 0
    picture("native 0", 0);
    picture("sync 1", 1); // ahead of its marker
    order.markerRead(); // frame 1
    picture("analysis 3", 3);
    picture("sync 2", 2); // its marker is not read yet either
    expect(handed).toEqual(["native 0", "sync 1"]);
    order.markerRead(); // frame 2: sync 2 is ready, but it waits behind analysis 3
    expect(handed).toEqual(["native 0", "sync 1"]);
    order.markerRead(); // frame 3
    expect(handed).toEqual(["native 0", "sync 1", "analysis 3", "sync 2"]);
    expect(order.ready(3)).toBe(true);
  });

  it("hands on what still waits when stderr ends", () => {
    const order = new MarkerOrder();
    const handed: number[] = [];
    order.wait(0, () => handed.push(0));
    order.wait(5, () => handed.push(5));
    order.ended();
    expect(handed).toEqual([0, 5]);
  });
});
