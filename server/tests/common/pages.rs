//! HR's pages over plain HTTP, as a browser's forms post them: signed in as an account, in
//! Japanese (`Accept-Language: ja`), with the session's CSRF token in every form.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::Server;

pub const PASSWORD: &str = "a long admin password";

pub struct Http<'a> {
    pub server: &'a Server,
    pub cookie: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub body: String,
}

impl Page {
    /// The value of the hidden field `name`.
    pub fn field(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        let at = self
            .body
            .find(&needle)
            .unwrap_or_else(|| panic!("no field {name} in {}", self.body))
            + needle.len();
        self.body[at..].split('"').next().unwrap().to_owned()
    }
}

impl<'a> Http<'a> {
    /// Signs in as `email` with the test's admin password (Japanese pages).
    pub fn login(server: &'a Server, email: &str) -> Http<'a> {
        Http::login_with(server, email, PASSWORD).expect("signed in")
    }

    /// Signs in as `email` with `password`: `None` when the sign-in is refused.
    pub fn login_with(server: &'a Server, email: &str, password: &str) -> Option<Http<'a>> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let mut form = agent.get(&format!("{}/hr/login", server.base)).call().unwrap();
        let login = form
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .find(|c| c.starts_with("taiwa_login="))
            .unwrap();
        let body = form.body_mut().read_to_string().unwrap();
        let token = Page { status: 200, body }.field("_login");
        let fields = [
            ("email", email),
            ("password", password),
            ("next", "/hr/"),
            ("_login", token.as_str()),
        ];
        let answer = agent
            .post(&format!("{}/hr/login", server.base))
            .header("Cookie", &login)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(serde_urlencoded::to_string(fields).unwrap().as_bytes())
            .unwrap();
        let cookie = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .find(|c| c.starts_with("taiwa_session="))?;
        Some(Http { server, cookie })
    }

    pub fn send(&self, method: &str, path: &str, content_type: Option<&str>, body: Option<&[u8]>) -> Page {
        let headers = [("Cookie", self.cookie.as_str()), ("Accept-Language", "ja")];
        let reply = self
            .server
            .request_with(method, path, None, content_type, body, &headers);
        Page {
            status: reply.status,
            body: reply.body,
        }
    }

    pub fn get(&self, path: &str) -> Page {
        self.send("GET", path, None, None)
    }

    /// The session's CSRF token, from a page every role may open.
    pub fn csrf(&self) -> String {
        self.get("/hr/account").field("_csrf")
    }

    /// Posts a form.
    pub fn form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("_csrf", self.csrf())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            Some(body.as_bytes()),
        )
    }

    /// Posts a form and answers the server's own answer (a redirect is not followed: its status
    /// is 303 and its body empty).
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let mut all = vec![("_csrf", self.csrf())];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let mut answer = agent
            .post(&format!("{}{path}", self.server.base))
            .header("Cookie", &self.cookie)
            .header("Accept-Language", "ja")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(serde_urlencoded::to_string(&all).unwrap().as_bytes())
            .unwrap();
        Page {
            status: answer.status().as_u16(),
            body: answer.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    /// Posts files as `multipart/form-data`, as a browser's upload.
    pub fn upload(&self, path: &str, files: &[(&str, &[u8])]) -> Page {
        const BOUNDARY: &str = "----taiwa-test-0123456789";
        let mut body = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
            self.csrf()
        )
        .into_bytes();
        for (name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.send(
            "POST",
            path,
            Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
            Some(&body),
        )
    }
}
