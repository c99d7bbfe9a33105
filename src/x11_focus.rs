//! Keyboard focus on an X server that no window manager runs on (a bare Xvfb, a kiosk):
//! there a click does not focus the window, winit then drops every key press, and a label key
//! after a mouse selection would do nothing. When the pointer is pressed in the window and
//! the server's focus is nobody's (None or PointerRoot), the window takes the focus itself.
//! Under a window manager the focus always belongs to some window, and this does nothing.

use raw_window_handle::{HasWindowHandle, RawWindowHandle};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, InputFocus};

/// A connection to the X server, opened on first use (`None` when there is no X server).
#[derive(Default)]
pub struct X11Focus {
    conn: Option<Option<x11rb::rust_connection::RustConnection>>,
}

impl X11Focus {
    /// Gives `window` the keyboard focus if no one has it.
    pub fn take_if_unmanaged(&mut self, window: &impl HasWindowHandle) {
        let Ok(handle) = window.window_handle() else {
            return;
        };
        let id = match handle.as_raw() {
            RawWindowHandle::Xlib(h) => u32::try_from(h.window).ok(),
            RawWindowHandle::Xcb(h) => Some(h.window.get()),
            _ => None,
        };
        let Some(id) = id else { return };
        let conn = self
            .conn
            .get_or_insert_with(|| x11rb::connect(None).ok().map(|(c, _)| c));
        let Some(conn) = conn.as_ref() else { return };
        let Ok(Ok(focus)) = conn.get_input_focus().map(|c| c.reply()) else {
            return;
        };
        // 0 is None, 1 is PointerRoot: no window manager hands the focus out.
        if focus.focus <= 1 {
            let _ = conn.set_input_focus(InputFocus::PARENT, id, x11rb::CURRENT_TIME);
            let _ = conn.flush();
        }
    }
}
