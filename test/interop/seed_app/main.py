# The seed's FastAPI app: the OAuth2PasswordBearer tutorial Gatehouse started from
# (seed/000_63d120f05f65b507.txt), assembled into the final main.py it describes. Every
# function, model and route below is the seed's code as written; only what the seed leaves
# out is filled in, from FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT
# tokens" tutorial it follows: the imports, SECRET_KEY/ALGORITHM/ACCESS_TOKEN_EXPIRE_MINUTES,
# pwd_context, the Token and TokenData models, and the `user_db` module (user_db.py here).
# Do not "fix" it: the interop tests check Gatehouse against this app exactly as users run it.

from datetime import datetime, timedelta
from typing import Optional, Union

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from jose import JWTError, jwt
from passlib.context import CryptContext
from pydantic import BaseModel, EmailStr, Field

import user_db

# The tutorial's values (`openssl rand -hex 32` in the tutorial, published with it).
SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"
ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRE_MINUTES = 30

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


class Token(BaseModel):
    access_token: str
    token_type: str


class TokenData(BaseModel):
    username: Union[str, None] = None


# --- the seed: User Model ---

class UserSchema(BaseModel):
    username: str=Field(...)
    email: str=Field(...)
    full_name: str=Field(...)
    hashed_password: str=Field(...)
    disabled: bool
    
    class Config:
        orm_mode=True
        schema_example = {
            "example": {
                "username": "Valid username",
                "email": "Valid email of the user",
                "full_name": "Full Name of the User",
                "hashed_password": "Encoded password",
                "disabled": False,
            }
        }


# --- the seed: App.py boilerplate ---

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

@app.get("/")
async def root(token: str = Depends(oauth2_scheme)):
    return {"message": "Hello World", "token": token}


# --- the seed: Authenticate user ---

def verify_password(plain_password, hashed_password):
    return pwd_context.verify(plain_password, hashed_password)
    
async def get_user(username: str):
    db = await user_db.get_users()
    for user in db:
        if user["username"] == username:
            user_dict = user
            return UserSchema(**user_dict)

async def authenticate_user(username: str, password: str):
    user= await get_user(username)
    if not user:
        return False
    if not verify_password(password, user.hashed_password):
        return False
    return user


# --- the seed: Generate Access Token ---

@app.post("/token", response_model=Token)
async def login(form_data: OAuth2PasswordRequestForm = Depends()):
    user = await authenticate_user(form_data.username, form_data.password)
    if not user:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
        )
    access_token_expires = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    access_token = create_access_token(
        data={"sub": user.username},expires_delta=access_token_expires
    )
    return {"access_token": access_token, "token_type": "bearer"}

def create_access_token(data: dict, expires_delta: Union[timedelta, None] = None):
    to_encode = data.copy()
    if expires_delta:
        expire = datetime.utcnow() + expires_delta
    else:
        expire = datetime.utcnow() + timedelta(minutes=15)
    to_encode.update({"exp": expire})
    encoded_jwt = jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)
    return encoded_jwt


# --- the seed: Get currently active user ---

async def get_current_user(token: str = Depends(oauth2_scheme)):
    credentials_exception = HTTPException(
            status_code = status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate":"Bearer"},
        )
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        username: str = payload.get("sub")
        if username is None:
            raise credentials_exception
        token_data = TokenData(username=username)
    except JWTError:
        raise credentials_exception
    user = await get_user(username=token_data.username)
    if user is None:
        raise credentials_exception
    return user

async def get_current_active_user(current_user: UserSchema = Depends(get_current_user)):
    if current_user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return current_user

@app.get("/user/me", response_model=UserSchema)
async def read_user(current_user: UserSchema = Depends(get_current_active_user)):
    return current_user
