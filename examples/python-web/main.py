"""python-web: a FastAPI app. Run, it serves on port 8000 and calls itself once with httpx."""
import threading
import time

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="sandbox demo")
items: dict[int, str] = {1: "first"}


class Item(BaseModel):
    name: str


@app.get("/")
def index() -> dict:
    return {"hello": "from the sandbox", "items": len(items)}


@app.post("/items")
def add(item: Item) -> dict:
    items[len(items) + 1] = item.name
    return {"id": len(items), "name": item.name}


def call_myself() -> None:
    for _ in range(50):  # until the server listens
        try:
            print("GET /       ->", httpx.get("http://127.0.0.1:8000/").json())
            print("POST /items ->", httpx.post("http://127.0.0.1:8000/items", json={"name": "second"}).json())
            print("serving on port 8000 (docs at /docs); Ctrl-C stops", flush=True)
            return
        except httpx.ConnectError:
            time.sleep(0.1)


if __name__ == "__main__":
    threading.Thread(target=call_myself, daemon=True).start()
    uvicorn.run(app, host="0.0.0.0", port=8000, log_level="warning")
